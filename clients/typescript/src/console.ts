// A console's calls, typed by the generated schema: if the API's schema drifts from what a frontend relies on,
// `tsc` fails here in CI.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8000" });

export async function signAndReply(caseId: number, version: number): Promise<string | undefined> {
  const headers = { "If-Match": `"${version}"` };
  const signed = await api.POST("/cases/{case_id}/actions/sign", {
    params: { path: { case_id: caseId } }, headers, body: { note: "已签收" },
  });
  const replied = await api.POST("/cases/{case_id}/actions/reply", {
    params: { path: { case_id: caseId } }, headers: { "If-Match": `"${(signed.data?.version ?? version)}"` },
    body: { text: "已更换灯泡", signer: "王工" },
  });
  return replied.data?.status;
}

export async function findByWords(words: string): Promise<number> {
  const found = await api.GET("/cases", { params: { query: { q: words, count: true } } });
  return found.data?.total?.value ?? 0;
}

export async function findByPhone(phone: string): Promise<string[]> {
  const found = await api.POST("/cases/search", { body: { phone, limit: 20 } });
  return (found.data?.items ?? []).map((c) => c.number);
}

export const extension: components["schemas"]["ExtensionBody"] = {
  days: 3, reason: "需协调夜间执法", basis: "工作规范第十条",
};

// @ts-expect-error a reply without its signer is not a reply
export const unsigned: components["schemas"]["ReplyBody"] = { text: "已处理" };

// @ts-expect-error an urgency the API does not have
export const urgency: components["schemas"]["CaseUpdate"]["urgency"] = "panic";
