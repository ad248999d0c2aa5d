/** The results a finished run can have (src/history/ports.ts RunResult), as the outcome label's values. */
export const OUTCOMES = ['passed', 'failed', 'aborted', 'refused', 'not-detected'] as const;
export const OBJECTIVES = ['ttd', 'rto', 'rpo'] as const;

/**
 * Seconds: from a second to four hours, the range drills' objectives live in (a TTD of
 * seconds for an automated alert, an RTO of hours for a rebuilt cluster).
 */
export const MEASURE_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 14_400];
