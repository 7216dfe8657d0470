import { MidNotFound } from "@/app/_components/mid-not-found";

export default async function NotFound() {
  return <MidNotFound />;
}
