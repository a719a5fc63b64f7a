/**
 * Mermaid 11 does not decode its entity codes (`#60;`) in SVG-text labels (htmlLabels off): the label
 * shows `&#60;` literally, double-escaped in the SVG as `&amp;#60;` (mermaid-js/mermaid#7015, open).
 * Turning `&amp;#60;` back into the character reference `&#60;` shows `<` as text: a character
 * reference can never become markup.
 */
export const resolveEntityCodes = (svg: string): string =>
  svg.replace(/&amp;(#\d{1,7}|#x[0-9a-fA-F]{1,6}|quot|lt|gt|amp|apos);/g, '&$1;');
