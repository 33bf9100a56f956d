//! `oauth-setup test`: the provider's test request with the stored token.

use crate::cli::args::TestArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::Failure;
use crate::cli::output::print_json;
use oauth_setup::api_test::{self, TestError, TestOutcome};
use oauth_setup::provider::{self, Profile};
use oauth_setup::settings::{self, Key};
use oauth_setup::{flow, http, token_service};
use serde_json::json;
use std::path::Path;

pub fn run(ctx: &Ctx, args: &TestArgs) -> Result<(), Failure> {
    let path = &args.file.settings;
    let key = ctx.key()?;
    let profiles = ctx.profiles()?;
    let rt = ctx.runtime()?;
    let outcome = rt.block_on(request(path, &key, &profiles))?;
    if args.json {
        print_json(
            &json!({"ok": true, "status": outcome.status, "summary": outcome.summary, "elapsed_ms": outcome.elapsed_ms}),
        );
    } else {
        println!("OK: {} ({} ms)", outcome.summary, outcome.elapsed_ms);
    }
    Ok(())
}

async fn request(path: &Path, key: &Key, profiles: &[Profile]) -> Result<TestOutcome, Failure> {
    let token = token_service::get_token(path, key).await?;
    let s = settings::read(path, key)?;
    let profile = provider::find(profiles, &s.meta.provider)?;
    let test = profile
        .test
        .as_ref()
        .ok_or_else(|| TestError::NoTest(format!("provider `{}` defines none", profile.id)))?;
    let url = s
        .meta
        .endpoints
        .test_url
        .clone()
        .ok_or_else(|| TestError::NoTest("give --test-url at login".into()))?;
    let headers = flow::test_headers(profile, &s.meta.vars, &s.meta.extra_headers);
    let http = http::client();
    match api_test::run_request(&http, test, &url, &headers, &token).await {
        // A token without a stated lifetime ends with a 401: renew it once
        // when the file can (stored InEvent password, stored client secret).
        Err(TestError::Unauthorized { .. }) if token_service::can_renew_unattended(&s) => {
            let fresh = token_service::renew_rejected(path, key, &token).await?;
            Ok(api_test::run_request(&http, test, &url, &headers, &fresh).await?)
        }
        other => Ok(other?),
    }
}
