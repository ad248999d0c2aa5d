export const DRILL_KINDS = ['drop-table', 'lose-node', 'delete-cluster', 'key-holder-unavailable', 'command'] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];
