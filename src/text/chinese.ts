// Chinese text helpers: segmentation (jieba), title keywords, search tokens, word counts.
export function segmentWords(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}
export function titleKeywords(title: string): string[] {
  return segmentWords(title);
}
export function searchTokens(text: string): string {
  return segmentWords(text).join(' ').toLowerCase();
}
export function countWords(text: string): number {
  return (text.match(/\p{Script=Han}|[\p{L}\p{N}]+/gu) ?? []).length;
}
