//! `oauth-setup providers`: the provider profiles, built in and the user's.

use crate::cli::args::ProvidersArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::Failure;
use crate::cli::output::print_json;
use serde_json::json;

pub fn run(ctx: &Ctx, args: &ProvidersArgs) -> Result<(), Failure> {
    let profiles = ctx.profiles()?;
    if args.json {
        let v: Vec<_> = profiles
            .iter()
            .map(|p| {
                json!({
                    "id": p.id, "name": p.name, "description": p.description,
                    "schemes": p.schemes.iter().map(|s| json!({"id": s.id, "kind": s.kind.as_str(), "title": s.title})).collect::<Vec<_>>(),
                    "regions": p.regions.iter().map(|r| &r.id).collect::<Vec<_>>(),
                    "scope_presets": p.scope_presets.iter().map(|s| &s.id).collect::<Vec<_>>(),
                    "scopes": p.scopes.iter().map(|s| &s.name).collect::<Vec<_>>(),
                    "replaces_builtin": p.replaces_builtin,
                })
            })
            .collect();
        print_json(&json!(v));
        return Ok(());
    }
    for p in &profiles {
        let schemes: Vec<_> = p.schemes.iter().map(|s| s.id.as_str()).collect();
        let replaced = if p.replaces_builtin {
            "  (your profile, replacing the built-in one)"
        } else {
            ""
        };
        println!(
            "{:<12} {}  [{}]{replaced}",
            p.id,
            p.description,
            schemes.join(", ")
        );
    }
    Ok(())
}
