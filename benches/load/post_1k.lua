-- wrk script: POST a ~1 KB JSON document to /users/{id}.
local items = {}
for i = 1, 12 do
  items[#items + 1] = string.format(
    '{"id":%d,"name":"item-%d","price":9.99,"password":"hunter2"}', i, i)
end
wrk.method = "POST"
wrk.path = "/users/42"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer load-test"
wrk.body = '{"user":{"email":"ann@example.com","token":"abc"},"items":[' ..
  table.concat(items, ",") .. ']}'
