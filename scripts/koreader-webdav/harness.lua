-- Manual check: drive KOReader's own cloud-sync Lua (the WebDAV provider and
-- Cloud:sync of cloudstorage.koplugin), headless, as "Reading statistics ->
-- Sync now" does. KOReader's files are read from $KOREADER_SRC (outside this
-- repository) and never modified; this file only holds shims and a driver.
-- Run it through run.sh, which documents the environment variables.

local SRC = os.getenv("KOREADER_SRC") or "/var/tmp/koreader-src"
local function env(name, default)
    local v = os.getenv(name) or default
    if v == nil then io.stderr:write("missing environment variable ", name, "\n"); os.exit(2) end
    return v
end
local DEBUG = os.getenv("HARNESS_DEBUG") == "1"
package.path = SRC .. "/frontend/?.lua;" .. package.path

---------------------------------------------------------------- shims
local function stub(name, mod) package.preload[name] = function() return mod end end
local function readfile(p) local f = io.open(p, "rb"); if not f then return nil end
    local s = f:read("*a"); f:close(); return s end
local function writefile(p, s) local f = assert(io.open(p, "wb")); f:write(s); f:close() end
local shown = {} -- texts KOReader would have shown on screen

stub("gettext", setmetatable({ pgettext = function(_, s) return s end, ngettext = function(s) return s end },
    { __call = function(_, s) return s end }))
local function log(level) return function(...)
    if level == "dbg" and not DEBUG then return end
    local t = {} for i = 1, select("#", ...) do t[#t + 1] = tostring((select(i, ...))) end
    io.stderr:write("[koreader ", level, "] ", table.concat(t, " "), "\n")
end end
stub("logger", { dbg = log("dbg"), info = log("info"), warn = log("warn"), err = log("err") })
stub("device", { model = "headless-harness" })
stub("version", { getShortVersion = function() return "harness" end })
stub("ffi/utf8proc", { lowercase = string.lower })
stub("ffi/sha2", { md5 = function() error("ffi/sha2 is not shimmed") end })
stub("ffi/util", {
    basename = function(p) return (p:gsub("/+$", ""):match("[^/]*$")) end,
    dirname = function(p) return p:match("^(.*)/[^/]*$") or "." end,
    template = function(s, ...) local a = { ... }
        return (s:gsub("%%(%d+)", function(i) return tostring(a[tonumber(i)]) end)) end,
    copyFile = function(from, to) writefile(to, assert(readfile(from))) end,
    strcoll = function(a, b) return a < b end,
})
stub("libs/libkoreader-lfs", { attributes = function(p, what)
    local s = readfile(p); if not s then return nil end
    local attr = { mode = "file", size = #s }
    if what then return attr[what] end
    return attr
end })
stub("document/documentregistry", { hasProvider = function(_, name)
    return name:lower():match("%.epub$") or name:lower():match("%.pdf$") end })
local Widget = { new = function(cls, o) return setmetatable(o or {}, { __index = cls }) end }
stub("ui/widget/infomessage", Widget)
stub("ui/widget/notification", Widget)
stub("ui/widget/multiinputdialog", Widget)
stub("ui/network/manager", { willRerunWhenConnected = function() return false end })
stub("ui/uimanager", {
    nextTick = function(_, f, ...) return f(...) end,
    show = function(_, w) if type(w) == "table" and w.text then
        shown[#shown + 1] = w.text; print("  [screen] " .. w.text) end end,
    close = function() end,
})
stub("datetime", { stringRFC1123ToSeconds = function() return nil end })
stub("datastorage", { getSettingsDir = function() return os.getenv("TMPDIR") or "/tmp" end })
stub("dispatcher", { registerAction = function() end })
stub("luasettings", { open = function() return { data = {}, readSetting = function() end } end })
stub("ui/widget/container/widgetcontainer", {
    extend = function(cls, o) return setmetatable(o or {}, { __index = cls }) end })
stub("apps/filemanager/filemanagerutil", {})
if not pcall(require, "ssl.https") then stub("ssl.https", {}) end -- socketutil only sets .TIMEOUT
G_reader_settings = { isTrue = function() return false end, readSetting = function() end }

---------------------------------------------------------------- request log
-- webdav.lua calls http.request(...) through the module table at run time,
-- so replacing the field wraps every request KOReader makes.
local http = require("socket.http")
local real_request = http.request
local requests = {}
http.request = function(req, body)
    if type(req) ~= "table" then return real_request(req, body) end
    local h = req.headers or {}
    local r, code, headers, status = real_request(req)
    local etag = headers and headers.etag
    local line = string.format("  %-8s %s -> %s%s%s", req.method or "GET", req.url, tostring(code),
        h["If-Match"] and ("  If-Match: " .. h["If-Match"]) or "",
        etag and ("  ETag: " .. etag) or "")
    print(line)
    requests[#requests + 1] = { method = req.method or "GET", code = code }
    return r, code, headers, status
end

---------------------------------------------------------------- KOReader
local WebDav = dofile(SRC .. "/plugins/cloudstorage.koplugin/providers/webdav.lua")
local Cloud = dofile(SRC .. "/plugins/cloudstorage.koplugin/main.lua")

local server = { -- as stored by CloudStorage:showFolderChooseDialog
    name = "harness", type = "webdav",
    address = env("DAV_ADDRESS"), username = env("DAV_USER"), password = env("DAV_PASSWORD"),
    url = env("DAV_FOLDER", ""),
}
local ok_all = true

print("== choose folder: WebDav.listFolder(" .. string.format("%q", server.url) .. ", true)")
WebDav.base = server -- Cloud:onShowCloudStorageList sets provider.base
local list = WebDav.listFolder(server.url, true)
if list then
    for _, item in ipairs(list) do print("  [item] " .. item.text .. "  url=" .. item.url) end
    print("  " .. #list .. " item(s) besides \"Long-press here to choose current folder\"")
else
    print("  listing failed (KOReader: \"Could not fetch server's content\")"); ok_all = false
end

local cloud = setmetatable({ providers = { webdav = WebDav } }, { __index = Cloud })
local work = os.tmpname(); os.remove(work)

-- One device: its own settings dir holding statistics.sqlite3 (+ .sync/.temp).
local function device(name, local_src, on_merge)
    local dir = work .. "/" .. name
    os.execute("mkdir -p '" .. dir .. "'")
    local db = dir .. "/statistics.sqlite3"
    writefile(db, assert(readfile(local_src), "cannot read " .. local_src))
    return function()
        print("== sync as device " .. name .. " (" .. db .. ")")
        local before, n_shown = #requests, #shown
        local function merge(local_path, cached_path, income_path)
            local income = readfile(income_path) or ""
            print(string.format("  [merge] local=%d bytes, cached=%s, income=%d bytes",
                #readfile(local_path), readfile(cached_path) and #readfile(cached_path) .. " bytes" or "none", #income))
            if on_merge then on_merge() end
            return true -- a stub merge: keep local as is, it gets uploaded
        end
        -- as ReaderStatistics:onSyncBookStats: sync(server, db_location, self.onSync, nil, pre_cb)
        cloud:sync(server, db, merge, nil, function() print("  [screen] Syncing book statistics…") end)
        local ok = shown[#shown] == "Successfully synchronized." and #shown > n_shown
        print(string.format("  result: %s, %d request(s); .sync %s", ok and "synchronized" or "FAILED",
            #requests - before, readfile(db .. ".sync") == readfile(db) and "= uploaded file" or "missing"))
        ok_all = ok_all and ok
    end, db
end

local sync_a, db_a = device("A", env("LOCAL_A"))
sync_a()
local on_merge_b
if os.getenv("STALE") == "1" then
    -- Race: while B merges, A uploads B's file, so B's If-Match is stale -> 412 -> B re-GETs.
    local raced = false
    on_merge_b = function()
        if raced then return end
        raced = true
        writefile(db_a, readfile(env("LOCAL_B")))
        print("  -- meanwhile, device A syncs a changed file:")
        sync_a()
        print("  -- back to device B")
    end
end
local sync_b = device("B", env("LOCAL_B"), on_merge_b)
sync_b()

print("== " .. (ok_all and "OK" or "FAILED") .. "; device files under " .. work)
os.exit(ok_all and 0 or 1)
