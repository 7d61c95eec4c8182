"""The knowledge base: seeded articles, search, administrator changes, validity."""

from tests import factories as f

ARTICLE = {"code": "kb-test-quiet-hours", "category": "env.noise", "question": "装修噪声几点以后不能施工？",
           "answer": "居民住宅区装修，中午十二点至下午两点、晚上八点至次日早上八点不得进行产生噪声的作业。",
           "keywords": ["装修", "噪音", "几点"], "policy_title": "《中华人民共和国噪声污染防治法》",
           "document_number": "主席令第一〇四号", "valid_from": "2022-06-05"}


async def test_seeded_articles_and_search(client, app):
    agent = await f.login_as(app, "agent")
    listed = await f.all_pages(client, "/knowledge/articles", {"limit": 100}, agent)
    assert len(listed) >= 30
    hits = (await client.get("/knowledge/search", params={"q": "怎么申请高龄津贴"}, headers=agent)).json()
    assert hits["items"][0]["article"]["category"]["code"] == "elderly.allowance"
    assert "高龄津贴" in hits["query_words"] or "高龄" in hits["query_words"]
    assert hits["items"][0]["matched"]
    none = (await client.get("/knowledge/search", params={"q": "量子计算机"}, headers=agent)).json()
    assert none["items"] == []
    assert (await client.get("/knowledge/search", headers=agent)).status_code == 422


async def test_admin_changes_articles_and_validity_counts(client, app):
    admin = await f.login_as(app, "admin")
    agent = await f.login_as(app, "agent")
    assert (await client.post("/knowledge/articles", json=ARTICLE, headers=agent)).status_code == 403
    created = await client.post("/knowledge/articles", json=ARTICLE, headers=admin)
    assert created.status_code == 201, created.text
    assert (await client.post("/knowledge/articles", json=ARTICLE, headers=admin)).json()["code"] == \
        "article_code_taken"
    hits = (await client.get("/knowledge/search", params={"q": "装修几点不能施工"}, headers=agent)).json()
    assert hits["items"][0]["article"]["code"] == ARTICLE["code"]
    etag = created.headers["ETag"]
    expired = await client.patch(f"/knowledge/articles/{ARTICLE['code']}", json={"valid_to": "2023-01-01"},
                                 headers={**admin, "If-Match": etag})
    assert expired.status_code == 200 and expired.json()["in_force"] is False
    stale = await client.patch(f"/knowledge/articles/{ARTICLE['code']}", json={"note": "x"},
                               headers={**admin, "If-Match": etag})
    assert stale.status_code == 412
    hits = (await client.get("/knowledge/search", params={"q": "装修几点不能施工"}, headers=agent)).json()
    assert ARTICLE["code"] not in {h["article"]["code"] for h in hits["items"]}
    case = await f.case(client, agent, hold=True)
    refused = await f.act(client, agent, case, "direct_answer", {"article_code": ARTICLE["code"]}, expect=422)
    assert refused["code"] == "article_not_in_force"


async def test_article_bad_input(client, app):
    admin = await f.login_as(app, "admin")
    for body, code in (({**ARTICLE, "category": "env"}, "category_not_leaf"),
                       ({**ARTICLE, "category": "nope.nope"}, "category_not_found"),
                       ({**ARTICLE, "code": "Bad Code"}, "validation_failed"),
                       ({**ARTICLE, "valid_to": "2020-01-01"}, "validation_failed"),
                       ({**ARTICLE, "answer": ""}, "validation_failed"),
                       ({**ARTICLE, "extra": 1}, "validation_failed")):
        response = await client.post("/knowledge/articles", json=body, headers=admin)
        assert (response.status_code, response.json()["code"]) == (422, code), body
    missing = await client.get("/knowledge/articles/kb-none", headers=admin)
    assert missing.status_code == 404
