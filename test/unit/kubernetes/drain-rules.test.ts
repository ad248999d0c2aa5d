import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { drainDecision, sortForDrain } from '../../../adapters/kubernetes/drain.js';
import { podsOutsideNamespaces } from '../../../adapters/kubernetes/delete-node-fault.js';
import { podList } from '../../../adapters/kubernetes/lose-node-target.js';

interface PodShape {
  namespace?: string;
  owner?: { kind: string; name: string; controller?: boolean };
  mirror?: boolean;
  phase?: string;
  terminating?: boolean;
}

function pod(name: string, shape: PodShape = {}): V1Pod {
  const { namespace = 'shop', owner, mirror, phase = 'Running', terminating } = shape;
  return {
    metadata: {
      name,
      namespace,
      ownerReferences: owner ? [{ apiVersion: 'apps/v1', uid: `uid-${owner.name}`, controller: owner.controller ?? true, kind: owner.kind, name: owner.name }] : undefined,
      annotations: mirror ? { 'kubernetes.io/config.mirror': 'hash' } : undefined,
      deletionTimestamp: terminating ? new Date() : undefined,
    },
    status: { phase },
  };
}

const replicaSet = { kind: 'ReplicaSet', name: 'web-5d8f' };

describe('what a drain does with each pod', () => {
  it('evicts a pod its controller re-creates, and names the controller', () => {
    expect(drainDecision(pod('web-5d8f-abc', { owner: replicaSet }))).toEqual({ action: 'evict', controller: 'ReplicaSet web-5d8f' });
    expect(drainDecision(pod('db-0', { owner: { kind: 'StatefulSet', name: 'db' } }))).toEqual({ action: 'evict', controller: 'StatefulSet db' });
  });

  it('leaves a pod without a controller on the node, as kubectl drain does without --force', () => {
    expect(drainDecision(pod('debug'))).toEqual({ action: 'leave-bare' });
    // An owner that is not the controller re-creates nothing.
    expect(drainDecision(pod('adopted', { owner: { ...replicaSet, controller: false } }))).toEqual({ action: 'leave-bare' });
  });

  it('skips DaemonSet, mirror, finished and terminating pods', () => {
    expect(drainDecision(pod('proxy-x', { owner: { kind: 'DaemonSet', name: 'proxy' } }))).toEqual({ action: 'skip' });
    expect(drainDecision(pod('etcd-node-1', { mirror: true }))).toEqual({ action: 'skip' });
    expect(drainDecision(pod('job-x', { owner: { kind: 'Job', name: 'job' }, phase: 'Succeeded' }))).toEqual({ action: 'skip' });
    expect(drainDecision(pod('crashed', { phase: 'Failed' }))).toEqual({ action: 'skip' });
    expect(drainDecision(pod('web-5d8f-old', { owner: replicaSet, terminating: true }))).toEqual({ action: 'skip' });
  });

  it('sorts a node\'s pods into evicted and left, by name', () => {
    const sorted = sortForDrain([pod('web-b', { owner: replicaSet }), pod('stray'), pod('web-a', { owner: replicaSet }), pod('proxy', { owner: { kind: 'DaemonSet', name: 'proxy' } })]);
    expect(sorted).toEqual({
      evict: [
        { namespace: 'shop', name: 'web-a', controller: 'ReplicaSet web-5d8f' },
        { namespace: 'shop', name: 'web-b', controller: 'ReplicaSet web-5d8f' },
      ],
      bare: [{ namespace: 'shop', name: 'stray' }],
    });
  });
});

describe('which pods rule a node out of delete mode', () => {
  it('lists pods of other namespaces, but not the node\'s own DaemonSet and static pods or finished ones', () => {
    const pods = [
      pod('web-a', { owner: replicaSet }),
      pod('coredns-1', { namespace: 'kube-system', owner: { kind: 'ReplicaSet', name: 'coredns' } }),
      pod('kube-proxy-x', { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'kube-proxy' } }),
      pod('kube-apiserver-n1', { namespace: 'kube-system', mirror: true }),
      pod('backup-1', { namespace: 'ops', phase: 'Succeeded' }),
      pod('leaving', { namespace: 'ops', terminating: true }),
      pod('stray', { namespace: 'default' }),
    ];
    expect(podsOutsideNamespaces(pods, ['shop'])).toEqual([
      { namespace: 'default', name: 'stray' },
      { namespace: 'kube-system', name: 'coredns-1' },
      // Deleting the node would cut its graceful shutdown short.
      { namespace: 'ops', name: 'leaving' },
    ]);
    expect(podsOutsideNamespaces(pods, ['shop', 'default', 'kube-system', 'ops'])).toEqual([]);
  });

  it('names the first few pods and counts the rest', () => {
    const refs = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ namespace: 'ns', name }));
    expect(podList(refs)).toBe('ns/a, ns/b, ns/c and 2 more');
    expect(podList(refs.slice(0, 3))).toBe('ns/a, ns/b, ns/c');
  });
});
