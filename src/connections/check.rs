//! Trying a saved connection: the provider's test request with its token
//! (renewed first when needed), remembered in the file as the last test; and
//! a renewal on demand, before the token would expire on its own.

use crate::probe::{self, TestError, TestOutcome};
use crate::provider::{self, Profile, ProviderError};
use crate::settings::{FileStore, Key};
use crate::token::{self, Fresh, TokenServiceError};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// No token to test with, or the renewal failed.
    #[error(transparent)]
    Token(#[from] TokenServiceError),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// The test request ran and did not pass (recorded as the last test).
    #[error(transparent)]
    Test(#[from] TestError),
}

impl CheckError {
    /// Only a new sign-in can help (the refresh token is dead or absent).
    pub fn needs_sign_in(&self) -> bool {
        match self {
            CheckError::Token(e) => e.needs_sign_in(),
            CheckError::Test(TestError::Unauthorized { .. }) => true,
            CheckError::Provider(_) | CheckError::Test(_) => false,
        }
    }
}

/// Runs the provider's test request for the connection at `path`, renewing
/// its token first when needed (and once more on a 401, for tokens without
/// a stated lifetime), and records the outcome as the file's last test.
pub async fn test(path: &Path, key: &Key, profiles: &[Profile]) -> Result<TestOutcome, CheckError> {
    let store = FileStore::new(path, key);
    let fresh = token::get_fresh(&store).await?;
    let (tok, s) = (fresh.token, fresh.settings);
    let profile = provider::find(profiles, &s.meta.provider)?;
    let http = crate::http::client();
    let outcome = match probe::test(&http, profile, &s.meta, &tok).await {
        Err(TestError::Unauthorized { .. }) if token::can_renew_unattended(&s) => {
            let renewed = token::renew_rejected(&store, &tok).await?;
            probe::test(&http, profile, &s.meta, &renewed).await
        }
        other => other,
    };
    // A test that could not run (no request, no URL) says nothing about the
    // credentials: only real answers are remembered. And the answer matters
    // more than its record: a file that cannot be written now (read-only,
    // locked) does not turn a pass into a failure.
    if let Some(last) = probe::last_test(&outcome)
        && let Err(e) = probe::record(&store, last).await
    {
        tracing::warn!(path = %path.display(), error = %e, "could not record the test");
    }
    Ok(outcome?)
}

/// Gets a new token for the connection at `path` now, even when the stored
/// one is still valid (see [`token::renew_now`]).
pub async fn renew_now(path: &Path, key: &Key) -> Result<Fresh, TokenServiceError> {
    token::renew_now(&FileStore::new(path, key)).await
}
