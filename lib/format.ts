// Display formatting shared by pages: absolute UTC dates like lore, counts.

export function formatDate(date: Date | null): string {
  if (!date) return "";
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatDay(date: Date | null): string {
  return date ? date.toISOString().slice(0, 10) : "";
}

const IRREGULAR: Record<string, string> = { reply: "replies" };

export function plural(count: number, word: string): string {
  const form = count === 1 ? word : (IRREGULAR[word] ?? `${word}s`);
  return `${count.toLocaleString("en-US")} ${form}`;
}
