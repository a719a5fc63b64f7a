/** What every nfwalk diagram shares: how a share is written on an edge, and the colours of verdicts. */

/** Shares below 1 on an edge, to four digits; a certain edge carries none. */
export const share = (p: number) => (p < 1 - 1e-12 ? ` (p=${+p.toFixed(4)})` : '');

export const VERDICT_CLASSES = {
  dropped: 'fill:#fde2e1,stroke:#c0392b,color:#000',
  accepted: 'fill:#e3f4e1,stroke:#2e7d32,color:#000',
  stale: 'fill:#fff1d6,stroke:#b9770e,color:#000',
} as const;

export const verdictClass = (verdict: string): keyof typeof VERDICT_CLASSES | undefined =>
  verdict === 'ACCEPT' ? 'accepted' : verdict === 'DROP' || verdict === 'REJECT' ? 'dropped' : undefined;

/** `1 rule`, `10,000 rules`, `2 entries`. */
export const counted = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
