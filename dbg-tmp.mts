import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startTestS3 } from './test/support/servers.js';
const s3 = await startTestS3(['drills']);
const store = s3.store('drills', 'backups');
try {
  for (let i = 0; i < 1005; i += 50) await Promise.all(Array.from({length: 50}, (_, j) => store.put(`many/${String(i+j).padStart(4,'0')}`, 'x')));
  console.log('put ok');
  const c = s3.client();
  const p1 = await c.send(new ListObjectsV2Command({ Bucket: 'drills', Prefix: 'backups/many/', MaxKeys: 3 }));
  console.log(p1.IsTruncated, p1.NextContinuationToken, p1.Contents?.length);
  const p2 = await c.send(new ListObjectsV2Command({ Bucket: 'drills', Prefix: 'backups/many/', MaxKeys: 3, ContinuationToken: p1.NextContinuationToken }));
  console.log(p2.IsTruncated, p2.Contents?.map(c=>c.Key));
} catch (e) { console.log(e); } finally { await s3.stop(); }
