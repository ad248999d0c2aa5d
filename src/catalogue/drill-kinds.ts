/** The kinds of drill, for what needs their names without building the drill schema (drill-schema.ts). */
export const DRILL_KINDS = ['drop-table', 'lose-node', 'delete-cluster', 'key-holder-unavailable', 'command'] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];
