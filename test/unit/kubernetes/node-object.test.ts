import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { asSavedNode, savedNodeObject } from '../../../adapters/kubernetes/node-object.js';

// A node as the client reads it: server-set metadata, controller taints, a status.
const node: V1Node = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: {
    name: 'node-1',
    uid: 'd6f1c3c2-0000-4000-8000-000000000001',
    resourceVersion: '4711',
    creationTimestamp: new Date('2026-11-01T10:00:00Z'),
    managedFields: [{ manager: 'kubelet', operation: 'Update' }],
    labels: { 'kubernetes.io/hostname': 'node-1', pool: 'web' },
    annotations: { 'kwok.x-k8s.io/node': 'fake' },
    finalizers: ['example.com/hold'],
  },
  spec: {
    podCIDR: '10.0.1.0/24',
    podCIDRs: ['10.0.1.0/24', 'fd00:0:0:1::/64'],
    providerID: 'aws:///eu-west-1a/i-0abc',
    taints: [
      { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: new Date('2026-11-01T10:05:00Z') },
      { key: 'dedicated', value: 'web', effect: 'NoSchedule' },
      { key: 'example.com/maintenance', effect: 'NoExecute', timeAdded: new Date('2026-11-01T10:06:00Z') },
    ],
  },
  status: { conditions: [{ type: 'Ready', status: 'True' }], capacity: { cpu: '32' } },
};

describe('the saved Node object', () => {
  it('keeps what re-creating the node needs and nothing the old object owned', () => {
    expect(savedNodeObject(node)).toEqual({
      metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1', pool: 'web' }, annotations: { 'kwok.x-k8s.io/node': 'fake' } },
      spec: {
        podCIDR: '10.0.1.0/24',
        podCIDRs: ['10.0.1.0/24', 'fd00:0:0:1::/64'],
        providerID: 'aws:///eu-west-1a/i-0abc',
        // The node controllers' own taints go; people's stay, without the old timeAdded.
        taints: [
          { key: 'dedicated', value: 'web', effect: 'NoSchedule' },
          { key: 'example.com/maintenance', effect: 'NoExecute' },
        ],
      },
    });
  });

  it('is plain JSON, so the journal stores exactly what the undo creates', () => {
    const saved = savedNodeObject(node);
    expect(JSON.parse(JSON.stringify(saved))).toStrictEqual(saved);
    expect(asSavedNode(JSON.parse(JSON.stringify(saved)))).toEqual(saved);
  });

  it('leaves out taints when only controller taints were there, and copes with a bare node', () => {
    const plain = savedNodeObject({ metadata: { name: 'n' }, spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] } });
    expect(plain).toEqual({ metadata: { name: 'n', labels: {}, annotations: {} }, spec: {} });
    expect(() => savedNodeObject({ metadata: {} })).toThrow('cannot save a node without a name');
  });

  it('reads only a saved node back from undo params', () => {
    expect(asSavedNode(undefined)).toBeUndefined();
    expect(asSavedNode({ metadata: { name: 'n' } })).toBeUndefined();
    expect(asSavedNode({ metadata: { name: 'n' }, spec: {} })).toEqual({ metadata: { name: 'n', labels: {}, annotations: {} }, spec: {} });
  });
});
