import assert from "node:assert/strict";
import { mapEntryName } from "./descriptors.ts";

Deno.test("reflection: a map entry is named as protoc names it", () => {
  assert.equal(mapEntryName("statuses"), "StatusesEntry");
  assert.equal(mapEntryName("stock_by_shop"), "StockByShopEntry");
  assert.equal(mapEntryName("labels__2"), "Labels2Entry");
  assert.equal(mapEntryName("x_1y"), "X1yEntry");
  assert.equal(mapEntryName("_private_Map_"), "PrivateMapEntry");
});
