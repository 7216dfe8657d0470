// Patch series pages and downloads (lib/series/ builds the series at ingest).
import type { AmPatch } from "../series/am-mbox";
import type { ArchiveReader, ListRow } from "../store/types";
import type { MessageSeriesInfo, SeriesDetail, SeriesIndexPage, SeriesInterdiffView, SeriesSummary, SeriesVersionView } from "../types";

/** Part of every series page's cache key: changes whenever the list's series are rebuilt. */
export function getListSeriesState(store: ArchiveReader, list: ListRow): Promise<string> {
  return store.series.getListSeriesState(list.id);
}

/** Part of a message page's cache key: "" when the message is in no series. */
export function getMessageSeriesState(store: ArchiveReader, list: ListRow, mid: string): Promise<string> {
  return store.series.getMessageSeriesState(list.id, mid);
}

export function listSeries(store: ArchiveReader, list: ListRow, before: Date | null): Promise<SeriesIndexPage> {
  return store.series.listSeries(list.id, before);
}

/** The series of these version roots (search hits), each once, in hit order. */
export function listSeriesOfRoots(store: ArchiveReader, list: ListRow, rootMids: readonly string[]): Promise<SeriesSummary[]> {
  return store.series.listSeriesOfRoots(list.id, rootMids);
}

export function getSeries(store: ArchiveReader, list: ListRow, rootMid: string): Promise<SeriesDetail | null> {
  return store.series.getSeries(list.id, rootMid);
}

export function getInterdiff(store: ArchiveReader, list: ListRow, toRoot: string, fromRoot: string): Promise<SeriesInterdiffView | null> {
  return store.series.getInterdiff(list.id, toRoot, fromRoot);
}

export function getMessageSeries(store: ArchiveReader, list: ListRow, mid: string): Promise<MessageSeriesInfo | null> {
  return store.series.getMessageSeries(list.id, mid);
}

export function listNewestVersions(
  store: ArchiveReader, list: ListRow, take: number,
): Promise<(SeriesVersionView & { fromAddr: string; versionCount: number })[]> {
  return store.series.listNewestVersions(list.id, take);
}

/** One version's patches with their collected trailers (series.mbox); the list by its remembered id. */
export async function listMboxPatches(store: ArchiveReader, listName: string, rootMid: string): Promise<AmPatch[] | null> {
  const list = await store.getListId(listName);
  return list === null ? null : store.series.listMboxPatches(list, rootMid);
}
