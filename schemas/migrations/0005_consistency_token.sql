-- Any writer's consistency token: `SELECT readside_consistency_token()` right after its COMMIT (on the same
-- connection) gives the token the write API would have returned for that commit, which every read of the
-- query API takes in X-Consistency-Token. "v1." + unpadded base64url of pg_current_wal_lsn() as an unsigned
-- 64-bit big-endian integer (services/write_api/domain/consistency.py, encode_token).
CREATE FUNCTION readside_consistency_token() RETURNS text
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT 'v1.' || rtrim(translate(encode(int8send((pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint), 'base64'),
                                    '+/', '-_'), '=')
$$;
