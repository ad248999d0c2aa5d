import { UserError } from '../../src/errors.js';

export interface MatrixEnv {
  homeserverUrl: string;
  userId: string;
  accessToken: string;
}

/** Matrix is on when all three variables are set; some but not all is a mistake worth saying. */
export function readMatrixEnv(env: NodeJS.ProcessEnv): MatrixEnv | undefined {
  const homeserverUrl = env.MATRIX_HOMESERVER_URL;
  const userId = env.MATRIX_USER_ID;
  const accessToken = env.MATRIX_ACCESS_TOKEN;
  if (!homeserverUrl && !userId && !accessToken) return undefined;
  const missing = [
    !homeserverUrl && 'MATRIX_HOMESERVER_URL',
    !userId && 'MATRIX_USER_ID',
    !accessToken && 'MATRIX_ACCESS_TOKEN',
  ].filter(Boolean);
  if (missing.length) {
    throw new UserError(`Matrix is half configured: ${missing.join(', ')} not set`, 'set all of MATRIX_HOMESERVER_URL, MATRIX_USER_ID and MATRIX_ACCESS_TOKEN, or none');
  }
  if (!/^@[^:]+:.+$/.test(userId!)) throw new UserError(`MATRIX_USER_ID "${userId}" is not a Matrix user id`, 'write it as @firedrill:example.org');
  return { homeserverUrl: homeserverUrl!, userId: userId!, accessToken: accessToken! };
}
