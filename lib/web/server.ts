// The archive's HTTP server: one route table decides every URL
// (lib/web/routes.ts), machine routes answer straight from the store, pages
// render with React on the server, and both keep their bodies in a bounded
// in-memory cache. One of these runs in each worker process (scripts/serve.ts).
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { SEARCH_LIMITS } from "../search/limits";
import type { DatabaseTarget } from "../store/db-path";
import type { ArchiveReader } from "../store/types";
import type { RequestContext } from "./context";
import { allThreadPage, homePage, lookupPage, messagePage, notFoundPage, searchPage, seriesIndexPage, seriesInterdiffPage, seriesPage, threadPage, threadsPage, type PageOptions } from "./html-routes";
import { allThreadMbox, attachment, listAtom, rawMessage, redirect, searchHelp, seriesAtom, seriesMbox, threadAtom, threadMbox } from "./machine-routes";
import { publicOrigin, type OriginConfig } from "./origin";
import { PageCache } from "./page-cache";
import { send, text, type Reply } from "./respond";
import { SearchPool } from "./search-pool";
import { routeRequest, type Route } from "./routes";
import { searchAtom, searchDownload } from "./search-routes";
import type { Stylesheet } from "./stylesheet";

export interface ServerOptions {
  /** This worker's reads (lib/store/open.ts opens them for the configured backend). */
  store: ArchiveReader;
  /** Where the search processes open their own index. */
  database: DatabaseTarget;
  cacheBytes: number;
  origin: OriginConfig;
  stylesheet: Stylesheet;
  /** A search's time budget, waiting included (default SEARCH_LIMITS.budgetMs). */
  searchBudgetMs?: number;
  /** Called with each request that failed with a 500, for the log. */
  onError?: (err: unknown, req: IncomingMessage) => void;
}

export interface ArchiveServer {
  server: http.Server;
  store: ArchiveReader;
  cache: PageCache;
  searches: SearchPool;
}

export function createArchiveServer(options: ServerOptions): ArchiveServer {
  const store = options.store;
  const cache = new PageCache(options.cacheBytes);
  const searches = new SearchPool({ database: options.database, budgetMs: options.searchBudgetMs ?? SEARCH_LIMITS.budgetMs });
  const pages: PageOptions = { stylesheet: options.stylesheet.href };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      options.onError?.(err, req);
      if (!res.headersSent) void send(req, res, text(500, "The archive could not answer this request.\n"));
      else res.destroy();
    });
  });
  // The fallback origin's port, read once rather than per request.
  let localPort = 0;
  server.on("listening", () => {
    localPort = (server.address() as { port?: number } | null)?.port ?? 0;
    searches.start();
  });
  // A slow client cannot hold a worker's socket open forever.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const rawPath = q === -1 ? target : target.slice(0, q);
    const search = q === -1 ? "" : target.slice(q);
    const query = new URLSearchParams(search);
    const route = routeRequest(req.method ?? "GET", rawPath, query);
    const ctx: RequestContext = { req, query, search, origin: publicOrigin(req.headers, options.origin, localPort), store, cache, searches };
    if (req.method === "POST") req.resume(); // the body (empty from lei and b4) is not read
    await send(req, res, await dispatch(ctx, route));
  }

  function dispatch(ctx: RequestContext, route: Route): Reply | Promise<Reply> {
    switch (route.kind) {
      case "lists":
        return homePage(ctx, pages);
      case "threads":
        return threadsPage(ctx, pages, route.list, route.before, route.after);
      case "search":
        if (route.output === "mbox") return searchDownload(ctx, route.list);
        if (route.output === "atom") return searchAtom(ctx, route.list);
        return searchPage(ctx, pages, route.list);
      case "message":
        return messagePage(ctx, pages, route.list, route.mid);
      case "thread":
        return threadPage(ctx, pages, route.list, route.mid, route.nested, route.part);
      case "raw":
        return rawMessage(ctx, route.list, route.mid);
      case "threadMbox":
        return threadMbox(ctx, route.list, route.mid);
      case "threadAtom":
        return threadAtom(ctx, route.list, route.mid);
      case "listAtom":
        return listAtom(ctx, route.list);
      case "attachment":
        return attachment(ctx, route.list, route.mid, route.position);
      case "seriesIndex":
        return seriesIndexPage(ctx, pages, route.list, route.before);
      case "series":
        return seriesPage(ctx, pages, route.list, route.mid);
      case "seriesMbox":
        return seriesMbox(ctx, route.list, route.mid);
      case "seriesAtom":
        return seriesAtom(ctx, route.list);
      case "seriesInterdiff":
        return seriesInterdiffPage(ctx, pages, route.list, route.mid, route.from);
      case "help":
        return searchHelp(route.list);
      case "stylesheet":
        return stylesheetReply(options.stylesheet, route.file);
      case "icon":
        return { status: 200, type: "image/svg+xml", body: options.stylesheet.icon, headers: { "Cache-Control": "public, max-age=86400" } };
      case "addSlash":
        return redirect(ctx, 301, `${route.path}${ctx.search}`);
      case "allThread":
        return allThreadPage(ctx, pages, route.mid, route.nested, route.part);
      case "allThreadMbox":
        return allThreadMbox(ctx, route.mid);
      case "lookup":
        return lookupPage(ctx, pages, route.mid, route.rest);
      case "redirectHome":
        return redirect(ctx, 302, "/");
      case "methodNotAllowed":
        return { ...text(405, "Method not allowed\n"), headers: { Allow: route.allow, "Cache-Control": "no-store" } };
      case "notFound":
        return notFoundPage(pages);
    }
  }

  server.on("close", () => searches.close());
  return { server, store, cache, searches };
}

function stylesheetReply(sheet: Stylesheet, file: string): Reply {
  if (file !== sheet.file) return text(404, "No such stylesheet\n");
  return {
    status: 200,
    type: "text/css; charset=utf-8",
    body: sheet.body,
    headers: { "Cache-Control": "public, max-age=31536000, immutable", ETag: sheet.etag },
  };
}
