//! `oauth-setup test`: the provider's test request with the stored token.

use crate::cli::args::TestArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::Failure;
use crate::cli::output::print_json;
use crate::cli::store::Location;
use oauth_setup::probe::{self, TestError, TestOutcome};
use oauth_setup::provider::{self, Profile};
use oauth_setup::settings::Store;
use oauth_setup::{http, token};
use serde_json::json;

pub fn run(ctx: &Ctx, args: &TestArgs) -> Result<(), Failure> {
    let path = &args.file.settings;
    let profiles = ctx.profiles()?;
    let rt = ctx.runtime()?;
    let outcome = rt.block_on(request(&Location::open(ctx, path)?, &profiles))?;
    if args.json {
        print_json(
            &json!({"ok": true, "status": outcome.status, "summary": outcome.summary, "elapsed_ms": outcome.elapsed_ms}),
        );
    } else {
        println!("OK: {} ({} ms)", outcome.summary, outcome.elapsed_ms);
    }
    Ok(())
}

async fn request<S: Store>(store: &S, profiles: &[Profile]) -> Result<TestOutcome, Failure> {
    let fresh = token::get_fresh(store).await?;
    let (token, s) = (fresh.token, fresh.settings);
    let profile = provider::find(profiles, &s.meta.provider)?;
    let http = http::client();
    match probe::test(&http, profile, &s.meta, &token).await {
        // A token without a stated lifetime ends with a 401: renew it once
        // when the file can (stored InEvent password, stored client secret).
        Err(TestError::Unauthorized { .. }) if token::can_renew_unattended(&s) => {
            let fresh = token::renew_rejected(store, &token).await?;
            Ok(probe::test(&http, profile, &s.meta, &fresh).await?)
        }
        other => Ok(other?),
    }
}
