package io.github.streaminfer.registry.redis;

/**
 * The registry's Lua scripts: each runs atomically in Redis, so a count read and its change are one step for every
 * instance.
 *
 * <p><b>Note:</b> constants only.
 */
final class LuaScripts {
    /**
     * Takes a slot. KEYS[1] slots hash; ARGV instance-key prefix, own id, limit, hash TTL (ms). Counts of instances
     * whose key has expired are dropped first: a dead instance's slots do not count. Returns 1 if taken, else 0.
     */
    static final String ACQUIRE = String.join("\n",
            "local h = redis.call('HGETALL', KEYS[1])",
            "local total = 0",
            "for i = 1, #h, 2 do",
            "  local inst = h[i]",
            "  if inst ~= ARGV[2] and redis.call('EXISTS', ARGV[1] .. inst) == 0 then",
            "    redis.call('HDEL', KEYS[1], inst)",
            "  else",
            "    total = total + tonumber(h[i + 1])",
            "  end",
            "end",
            "if total >= tonumber(ARGV[3]) then return 0 end",
            "redis.call('HINCRBY', KEYS[1], ARGV[2], 1)",
            "redis.call('PEXPIRE', KEYS[1], ARGV[4])",
            "return 1");

    /** Gives a slot back. KEYS[1] slots hash; ARGV own id. Never below zero; an empty field is removed. */
    static final String RELEASE = String.join("\n",
            "local v = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')",
            "if v <= 1 then redis.call('HDEL', KEYS[1], ARGV[1]) return 0 end",
            "return redis.call('HINCRBY', KEYS[1], ARGV[1], -1)");

    /**
     * Finds a session's owner. KEYS[1] session key; ARGV instance-key prefix. Returns {instance id, address}, or nil
     * when the session or its owner's key is gone.
     */
    static final String LOOKUP = String.join("\n",
            "local inst = redis.call('GET', KEYS[1])",
            "if not inst then return nil end",
            "local addr = redis.call('GET', ARGV[1] .. inst)",
            "if not addr then return nil end",
            "return {inst, addr}");

    /** Deletes a session key only if this instance owns it. KEYS[1] session key; ARGV own id. */
    static final String REMOVE = String.join("\n",
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end",
            "return 0");

    private LuaScripts() {
    }
}
