//! `oauth-setup connection-string`: the CData-style connection string.

use crate::cli::args::ConnectionStringArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::Failure;
use crate::cli::output::{absolute, print_json};
use oauth_setup::export::connection_string;
use oauth_setup::settings;
use serde_json::json;

pub fn run(ctx: &Ctx, args: &ConnectionStringArgs) -> Result<(), Failure> {
    let path = &args.file.settings;
    let s = settings::read(path, &ctx.key()?)?;
    // A connector reads the file later, from its own working directory.
    let cs = connection_string::build(&s, &absolute(path), args.include_secret);
    if args.json {
        print_json(&json!({"connection_string": cs}));
    } else {
        println!("{cs}");
    }
    Ok(())
}
