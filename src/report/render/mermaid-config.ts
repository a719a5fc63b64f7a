/**
 * How mermaid is set up wherever nfwalk renders: in the CLI's Chromium page and in the paste page. The
 * configuration is mermaid-cli's: limits raised in `initialize` (they cannot be raised from a diagram),
 * `htmlLabels` off so the SVG is plain SVG text that any viewer shows.
 */
export const MERMAID_CONFIG = {
  startOnLoad: false,
  securityLevel: 'strict',
  maxTextSize: 1_000_000,
  maxEdges: 5000,
  htmlLabels: false,
  // Mermaid draws box outlines with roughjs, whose control points are random unless seeded: seeded, the
  // same source renders to the same SVG, so rendered diagrams diff as well as their source.
  handDrawnSeed: 1,
  // Wide enough that a 28-character chain name is not broken in the middle; drawn at its natural size
  // rather than shrunk to the page, so a PNG of a long walk stays readable.
  flowchart: { htmlLabels: false, wrappingWidth: 300, useMaxWidth: false },
} as const;
