/** A process that only runs the Lease elector and says when it leads: the e2e suite kills it with -9. */
import { KubeConfig } from '@kubernetes/client-node';
import { startLeaseElector } from '../../adapters/kubernetes/lease-elector.js';

const [kubeconfig, namespace, name, identity] = process.argv.slice(2);
const config = new KubeConfig();
config.loadFromFile(kubeconfig!);
const elector = startLeaseElector(config, { namespace: namespace!, name: name!, identity: identity! });
elector.onChange((leading) => process.stdout.write(`${leading ? 'leading' : 'following'}\n`));
process.stdout.write('started\n');
