import type { Metadata } from "next";
import { MissingPage } from "@/app/_components/missing-page";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Not found", robots: { index: false } };

export default async function Missing() {
  return <MissingPage />;
}
