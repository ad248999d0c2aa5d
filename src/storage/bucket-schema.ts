import * as z from 'zod';

/** An S3 bucket (or S3-compatible one) as the config names it: an environment's, or the circle of trust's. */
export const Bucket = z.strictObject({
  bucket: z.string().min(3),
  prefix: z.string().default(''),
  region: z.string().default('us-east-1'),
  endpoint: z.url().optional().describe('For S3-compatible providers'),
  forcePathStyle: z.boolean().default(false),
  accessKeyIdEnv: z.string().optional().describe('Environment variable holding the access key id; default: the AWS SDK chain'),
  secretAccessKeyEnv: z.string().optional(),
});
export type Bucket = z.infer<typeof Bucket>;
