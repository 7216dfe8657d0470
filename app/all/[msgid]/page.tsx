import { MidLookup } from "@/app/_components/mid-lookup";
import { midFromParam } from "@/lib/mid";

export const dynamic = "force-dynamic";

export default async function Page({ params }: { params: Promise<{ msgid: string }> }) {
  return <MidLookup mid={midFromParam((await params).msgid)} />;
}
