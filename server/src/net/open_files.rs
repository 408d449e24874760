//! The process's open-file limit: every connection holds a file descriptor.

/// Files the server needs beside its connections (database, uploads, logs).
const SPARE_FILES: u64 = 256;

/// Raises the soft open-file limit to the hard one, as Go's runtime and
/// nginx's `worker_rlimit_nofile` do: the usual soft default of 1,024 would
/// refuse connections long before `MAX_OPEN_CONNECTIONS` (4,096 by
/// default). Warns when even the hard limit is too low for it.
pub fn raise_open_files(max_open_connections: usize) {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < max_open_connections as u64 + SPARE_FILES => tracing::warn!(
            limit,
            max_open_connections,
            "the open-file limit is too low for MAX_OPEN_CONNECTIONS; raise it \
             (LimitNOFILE= under systemd, ulimit -n in a shell) or lower MAX_OPEN_CONNECTIONS"
        ),
        Ok(limit) => tracing::debug!(limit, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit"),
    }
}
