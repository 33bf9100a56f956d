//! `oauth-setup test`: the provider's test request with the stored token.

use crate::cli::args::TestArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::Failure;
use crate::cli::output::print_json;
use crate::cli::store::Location;
use oauth_setup::probe::{self, TestError, TestOutcome};
use oauth_setup::provider::Profile;
use oauth_setup::settings::Store;
use oauth_setup::{http, token};
use serde_json::json;

#[inline(never)]
pub fn run(ctx: &Ctx, args: &TestArgs) -> Result<(), Failure> {
    let path = &args.file.settings;
    let profiles = ctx.profiles()?;
    let rt = ctx.runtime()?;
    let store = Location::open(ctx, path)?;
    let tested = rt.block_on(request(ctx, &store, &profiles))?;
    if let Some(last) = probe::last_test(&tested)
        && let Err(e) = rt.block_on(probe::record(&store, last))
    {
        tracing::warn!(error = %e, "cannot record the test's result");
        eprintln!("Note: the result is not recorded in the settings ({e}).");
    }
    let outcome = tested?;
    if args.json {
        print_json(
            &json!({"ok": true, "status": outcome.status, "summary": outcome.summary, "elapsed_ms": outcome.elapsed_ms}),
        );
    } else {
        println!("OK: {} ({} ms)", outcome.summary, outcome.elapsed_ms);
    }
    Ok(())
}

/// The outer error is a token that could not be had (nothing was tested);
/// the inner result is the test's.
async fn request<S: Store>(
    ctx: &Ctx,
    store: &S,
    profiles: &[Profile],
) -> Result<Result<TestOutcome, TestError>, Failure> {
    let fresh = token::get_fresh(store).await?;
    let (token, s) = (fresh.token, fresh.settings);
    let profile = ctx.find_profile(profiles, &s.meta.provider)?;
    let http = http::client();
    Ok(match probe::test(&http, profile, &s.meta, &token).await {
        // A token without a stated lifetime ends with a 401: renew it once
        // when the file can (stored InEvent password, stored client secret).
        Err(TestError::Unauthorized { .. }) if token::can_renew_unattended(&s) => {
            let fresh = token::renew_rejected(store, &token).await?;
            probe::test(&http, profile, &s.meta, &fresh).await
        }
        other => other,
    })
}
