//! `oauth-setup providers [ID]`: the provider profiles, built in and the
//! user's; with an id, one profile's methods and how to set each up at the
//! provider (the wizard's set-up list, from the same profile data).

use crate::cli::args::ProvidersArgs;
use crate::cli::ctx::Ctx;
use crate::cli::failure::Failure;
use crate::cli::output::{print_json, shown};
use oauth_setup::provider::{self, Profile, Scheme};
use oauth_setup::signin::register;
use serde_json::{Value, json};

#[inline(never)]
pub fn run(ctx: &Ctx, args: &ProvidersArgs) -> Result<(), Failure> {
    let profiles = ctx.profiles()?;
    if let Some(id) = &args.id {
        let p = provider::find(&profiles, id)
            .map_err(|e| Failure::new(crate::cli::failure::exit::USAGE, e))?;
        if args.json {
            print_json(&profile_json(p));
        } else {
            print_steps(p);
        }
        return Ok(());
    }
    if args.json {
        let v: Vec<_> = profiles.iter().map(profile_json).collect();
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
    println!("\n`oauth-setup providers ID` shows how to set one up (steps, redirect URI, docs).");
    Ok(())
}

fn scheme_json(s: &Scheme) -> Value {
    let redirect = register::redirect_uri(s);
    json!({
        "id": s.id,
        "kind": s.kind.as_str(),
        "title": s.title,
        "description": s.description,
        "setup_steps": s.setup_steps.iter().map(|st| json!({
            "title": st.title, "detail": st.detail, "url": st.url,
        })).collect::<Vec<_>>(),
        "redirect_uri": redirect.as_ref().map(|r| &r.uri),
        "redirect_uri_any_port": redirect.as_ref().map(|r| r.any_port),
    })
}

fn profile_json(p: &Profile) -> Value {
    json!({
        "id": p.id, "name": p.name, "description": p.description,
        "docs_url": p.docs_url,
        "schemes": p.schemes.iter().map(scheme_json).collect::<Vec<_>>(),
        "regions": p.regions.iter().map(|r| &r.id).collect::<Vec<_>>(),
        "scope_presets": p.scope_presets.iter().map(|s| &s.id).collect::<Vec<_>>(),
        "scopes": p.scopes.iter().map(|s| &s.name).collect::<Vec<_>>(),
        "replaces_builtin": p.replaces_builtin,
    })
}

/// A profile's text is data (a user's profile may say anything): sanitised.
fn print_steps(p: &Profile) {
    println!(
        "{} ({}): {}",
        shown(&p.name),
        shown(&p.id),
        shown(&p.description)
    );
    if let Some(d) = &p.docs_url {
        println!("Docs: {}", shown(d));
    }
    for s in &p.schemes {
        println!();
        println!("--scheme {}: {}", shown(&s.id), shown(&s.title));
        for (i, st) in s.setup_steps.iter().enumerate() {
            println!("  {}. {}", i + 1, shown(&st.title));
            if !st.detail.is_empty() {
                println!("     {}", shown(&st.detail));
            }
            if let Some(u) = &st.url {
                println!("     {}", shown(u));
            }
        }
        match register::redirect_uri(s) {
            Some(r) => println!("  Then {}.", r.sentence()),
            None if s.setup_steps.is_empty() => println!("  Nothing to set up at the provider."),
            None => {}
        }
    }
}
