import * as z from 'zod';
import { Secret } from '../catalogue/secret-ref.js';
import { Duration } from '../catalogue/duration.js';

/** An address or a range of them: `10.0.0.0/8`, `fd00::/8`, `192.0.2.7`. */
const ADDRESS_FORMATS = [z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()];
const AddressRange = z
  .string()
  .refine((text) => ADDRESS_FORMATS.some((format) => format.safeParse(text).success), 'an IP address or CIDR range, e.g. 10.0.0.0/8 or fd00::/8');

/** Who may read the pages (they are read-only, but they show the team's weak spots). */
export const PagesAuth = z.union([
  z.strictObject({
    token: Secret.describe('The token people type into the login form, or send as Authorization: Bearer <token>'),
    sessionFor: Duration.prefault('12h').describe('How long a login lasts'),
  }),
  z.strictObject({
    trustedHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'an HTTP header name, e.g. X-Forwarded-User')
      .default('X-Forwarded-User')
      .describe('The header in which an authenticating proxy (oauth2-proxy, ...) names the signed-in person'),
    trustedProxies: z
      .array(AddressRange)
      .min(1, 'name the addresses of the authenticating proxy, e.g. [10.0.0.0/8]')
      .describe('The header is believed only from these addresses; anyone else is refused'),
  }),
]);
export type PagesAuth = z.infer<typeof PagesAuth>;
export type TokenAuth = Extract<PagesAuth, { token: unknown }>;
export type TrustedHeaderAuth = Extract<PagesAuth, { trustedProxies: unknown }>;

/**
 * The keys `server.pages` and `server.publicUrl`, spread into config-schema's `server`.
 * Without `pages.auth`, pages are served only when the server listens on loopback.
 */
export const PageAccessFields = {
  publicUrl: z
    .url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. https://firedrill.example.com' })
    .optional()
    .describe('Where people reach firedrill serve; chat scorecards link to <publicUrl>/runs/<id>'),
  pages: z
    .strictObject({
      auth: PagesAuth.optional().describe(
        'Who may read the pages: a token (login form or Bearer) or an authenticating proxy; without it, pages are served on loopback only',
      ),
    })
    .optional(),
};
