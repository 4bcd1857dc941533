INSERT INTO connections (connection_id, name, cloudcockpit_tenant, reseller_id, created_at)
VALUES ($connection_id, $name, $tenant, $reseller_id, $now)
ON CONFLICT (connection_id) DO UPDATE SET
    cloudcockpit_tenant = excluded.cloudcockpit_tenant,
    reseller_id = excluded.reseller_id;
