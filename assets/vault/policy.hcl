# What a server needs for one shared grant at vault://secret/PATH:
# read and write the settings document (check-and-set), and the same for its
# renewal lock beside it. Replace PATH with the path after the mount.
path "secret/data/PATH" {
  capabilities = ["read", "create", "update"]
}
path "secret/data/PATH.lock" {
  capabilities = ["read", "create", "update"]
}
# Only for whoever runs `oauth-setup logout` on it (not the servers): delete
# the settings and the lock with all their versions and metadata.
# path "secret/metadata/PATH"      { capabilities = ["delete"] }
# path "secret/metadata/PATH.lock" { capabilities = ["delete"] }
