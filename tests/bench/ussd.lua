-- ussd.lua -- wrk script that posts Africa's Talking USSD steps, as handsets do.
--
-- Each wrk thread keeps a ring of concurrent virtual sessions and advances one of
-- them by one step per request, round-robin, so steps of many sessions interleave
-- on the wire. wrk's Lua API does not say which connection a response belongs
-- to, so "a session never has two steps in flight" holds by slack: a session's
-- next step leaves only after (ring size - connections per thread) other
-- responses, i.e. 240 with the defaults at -c32 -t2 (keep the ring well above
-- the connection count per thread). Every session has its own
-- sessionId and Moroccan mobile number (+2126/+2127 and 8 digits), distinct across
-- threads. Each response must be 200 with a body starting "CON " or "END "; other
-- bodies are counted and reported by done() on a line starting "ussd:".
--
-- Settings (wrk script args after "--" win over environment variables):
--   mix      first | journey                     USSD_MIX       (default journey)
--            first:   every request is a new dial (text empty)
--            journey: half the sessions are visitors (dial, language choice, "About":
--                     texts "", "L", "L*3"; L in 1..3), half are registered members
--                     (dial to the home menu, grant status, the first grant: "",
--                     "1", "1*1"); visitors dial from +2127, members' numbers
--                     are +2126 and 8 digits,
--                     MEMBER_BASE + k with k < MEMBERS (bench.py registers
--                     +2126100NNNNN; the national data set +21269NNNNNNN)
--   members=N        registered members reachable  USSD_MEMBERS     (default 1000)
--   member_base=N    their first 8 digits' number USSD_MEMBER_BASE (default 10000000)
--   steps=T1,T2,...  a custom journey replacing the mix, e.g. ",3,3*1"
--                                                USSD_STEPS
--   sessions=N       virtual sessions per thread USSD_SESSIONS  (default 256)
--   run=N            run number, part of every sessionId, so that repeated runs
--                    against one daemon never reuse a session  USSD_RUN (default 0)
--   id_base=N        added to each thread's id (sessionIds and visitors' numbers), so
--                    that wrk runs at the same time (one per node) never share a
--                    session or a visitor: the second run takes id_base=threads
--                                                USSD_ID_BASE (default 0)
--
--   wrk -t2 -c32 -d10s --latency -s tests/bench/ussd.lua \
--       http://127.0.0.1:PORT/hooks/sandbox/ussd -- journey

local DEFAULT_PATH = "/hooks/sandbox/ussd"
local SERVICE_CODE = "%2A384%2A123%23" -- *384*123#, percent-encoded
local NETWORKS = { "60400", "60401", "60402" } -- Orange, Maroc Telecom, inwi
local LANGUAGES = 3 -- entries of the language menu (programme.languages)
local HEADERS = { ["Content-Type"] = "application/x-www-form-urlencoded" }
local MEMBERS = tonumber(os.getenv("USSD_MEMBERS") or "") or 1000
local MEMBER_BASE = tonumber(os.getenv("USSD_MEMBER_BASE") or "") or 10000000

-- Main thread: hand each wrk thread a distinct id and keep it for done().
local threads = {}

function setup(thread)
    table.insert(threads, thread)
    thread:set("id", #threads)
end

-- Worker threads ----------------------------------------------------------------
-- Globals read back by done() through thread:get(): id (set by setup), mix,
-- responses, ok_bodies, bad_bodies, bad_sample, sessions_started.

local run, verify_call_pending, custom_steps, ring, ring_size, next_slot, session_counter, path

-- Percent-encode a form value (RFC 3986 unreserved characters kept).
local function form_escape(s)
    return (s:gsub("[^%w%-%._~]", function(c)
        return string.format("%%%02X", string.byte(c))
    end))
end

local function split_steps(spec)
    local steps = {}
    for text in (spec .. ","):gmatch("([^,]*),") do
        table.insert(steps, text)
    end
    return steps
end

-- The texts of one session, in order, as Africa's Talking sends them.
local function session_steps(n)
    if custom_steps then
        return custom_steps
    end
    if mix == "first" then
        return { "" }
    end
    if n % 2 == 1 then
        return { "", "1", "1*1" } -- a member: home, grant status, first grant
    end
    local lang = tostring(n % LANGUAGES + 1)
    return { "", lang, lang .. "*3" }
end

-- A new session in slot; n is unique within this thread, id across threads.
local function new_session(slot)
    session_counter = session_counter + 1
    local n = session_counter
    local prefix = (n % 2 == 0) and "+2126" or "+2127"
    local digits = string.format("%08d", (id * 10000000 + n) % 100000000)
    if mix == "journey" then
        -- Visitors (n even) dial from +2127: a +2126 number of theirs could be a
        -- registered member's (MEMBER_BASE + k), whose "3" on home starts an idea.
        prefix = "+2127"
    end
    slot.id = string.format("ATUid_bench%d_%02d_%010d", run, id, n)
    if mix == "journey" and n % 2 == 1 then
        digits = string.format("%08d", MEMBER_BASE + (id * 7919 + n) % MEMBERS)
        prefix = "+2126"
    end
    slot.phone = form_escape(prefix .. digits)
    slot.network = NETWORKS[n % #NETWORKS + 1]
    slot.steps = session_steps(n)
    slot.step = 1
end

function init(args)
    local env_mix = os.getenv("USSD_MIX")
    local env_steps = os.getenv("USSD_STEPS")
    local sessions = tonumber(os.getenv("USSD_SESSIONS") or "") or 256
    run = tonumber(os.getenv("USSD_RUN") or "") or 0
    local id_base = tonumber(os.getenv("USSD_ID_BASE") or "") or 0
    mix = (env_mix ~= nil and env_mix ~= "") and env_mix or "journey"
    if env_steps ~= nil and env_steps ~= "" then
        custom_steps = split_steps(env_steps)
    end
    for _, arg in ipairs(args or {}) do
        local key, value = arg:match("^([%w_]+)=(.*)$")
        if key == "mix" then
            mix = value
        elseif key == "steps" then
            custom_steps = split_steps(value)
        elseif key == "sessions" then
            sessions = tonumber(value) or sessions
        elseif key == "run" then
            run = tonumber(value) or run
        elseif key == "id_base" then
            id_base = tonumber(value) or id_base
        elseif key == "members" then
            MEMBERS = tonumber(value) or MEMBERS
        elseif key == "member_base" then
            MEMBER_BASE = tonumber(value) or MEMBER_BASE
        elseif key == nil and arg ~= "" then
            mix = arg
        end
    end
    if mix ~= "first" and mix ~= "journey" then
        io.stderr:write("ussd.lua: unknown mix '" .. tostring(mix) .. "' (first | journey)\n")
        os.exit(2)
    end
    if custom_steps then
        mix = "custom"
    end
    if sessions < 1 then
        sessions = 1
    end

    -- wrk 4 calls request() once on the first thread's state to check the
    -- request before any connection opens, and drops the result: let that call
    -- peek without advancing, so no session loses its first step.
    verify_call_pending = (id == 1)
    id = id + math.floor(id_base)

    path = (wrk.path ~= nil and wrk.path ~= "" and wrk.path ~= "/") and wrk.path or DEFAULT_PATH
    session_counter = 0
    ring, ring_size, next_slot = {}, math.floor(sessions), 1
    for i = 1, ring_size do
        ring[i] = {}
        new_session(ring[i])
    end

    responses, ok_bodies, bad_bodies, bad_sample = 0, 0, 0, ""
end

function request()
    local slot = ring[next_slot]
    local body = "sessionId=" .. slot.id
        .. "&serviceCode=" .. SERVICE_CODE
        .. "&phoneNumber=" .. slot.phone
        .. "&networkCode=" .. slot.network
        .. "&text=" .. form_escape(slot.steps[slot.step])
    if verify_call_pending then
        verify_call_pending = false
    else
        next_slot = next_slot % ring_size + 1
        slot.step = slot.step + 1
        if slot.step > #slot.steps then
            new_session(slot)
        end
    end
    return wrk.format("POST", path, HEADERS, body)
end

function response(status, headers, body)
    responses = responses + 1
    local head = body and body:sub(1, 4) or ""
    if status == 200 and (head == "CON " or head == "END ") then
        ok_bodies = ok_bodies + 1
    else
        bad_bodies = bad_bodies + 1
        if bad_sample == "" then
            bad_sample = tostring(status) .. " " .. (body or ""):sub(1, 60):gsub("%s", " ")
        end
    end
    sessions_started = session_counter
end

-- Main thread, after the run ----------------------------------------------------

function done(summary, latency, requests)
    local total, ok, bad, sessions, sample, used_mix = 0, 0, 0, 0, "", nil
    for _, thread in ipairs(threads) do
        total = total + (thread:get("responses") or 0)
        ok = ok + (thread:get("ok_bodies") or 0)
        bad = bad + (thread:get("bad_bodies") or 0)
        sessions = sessions + (thread:get("sessions_started") or 0)
        used_mix = used_mix or thread:get("mix")
        local s = thread:get("bad_sample")
        if sample == "" and s ~= nil then
            sample = s
        end
    end
    io.write(string.format("ussd: mix=%s responses=%d ussd_ok=%d ussd_bad=%d sessions=%d\n",
        tostring(used_mix), total, ok, bad, sessions))
    if sample ~= "" then
        io.write("ussd: first_bad=" .. sample .. "\n")
    end
end
