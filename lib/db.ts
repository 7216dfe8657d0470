// The web app's only PrismaClient (driver adapter over better-sqlite3), cached
// on globalThis so Next's dev reloads do not open a new connection each time.
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/prisma/client";
import { databaseUrl } from "./db-path";

const cache = globalThis as unknown as { prisma?: PrismaClient };

export const prisma: PrismaClient =
  cache.prisma ?? new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: databaseUrl() }) });

if (process.env.NODE_ENV !== "production") cache.prisma = prisma;
