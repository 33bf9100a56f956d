//! After a sign-in that left out an optional header value (Event Temple's
//! API Org ID): says once what that means and how to add it, and lists the
//! values the profile can list with the new token (its organizations).

use crate::cli::ctx::Ctx;
use crate::cli::output::{settings_arg, shown};
use oauth_setup::provider::{self, Field, Profile};
use oauth_setup::settings::Settings;
use std::path::Path;

/// The optional fields whose header the sign-in did not send.
fn left_out(profile: &Profile, s: &Settings) -> Vec<(Field, String)> {
    let Ok(scheme) = profile.scheme(Some(&s.meta.scheme)) else {
        return Vec::new();
    };
    scheme
        .extra_headers
        .iter()
        .filter(|(header, _)| !s.meta.extra_headers.contains_key(*header))
        .filter_map(|(header, t)| {
            let var = t.trim_matches(['{', '}']);
            let f = scheme.optional_fields.iter().find(|f| f.as_str() == var)?;
            Some((*f, header.clone()))
        })
        .collect()
}

/// What the value picks, in words: with its article, alone, plural.
fn noun(f: Field) -> (&'static str, &'static str, &'static str) {
    match f {
        Field::OrgId => ("an organization", "organization", "organizations"),
        _ => ("a value", "value", "values"),
    }
}

/// Prints, on stderr, the note for each header left out, with the profile's
/// pick list for it read with the new token.
pub fn note(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    s: &Settings,
    profiles: &[Profile],
    path: &Path,
) {
    let Ok(profile) = provider::find(profiles, &s.meta.provider) else {
        return;
    };
    for (field, header) in left_out(profile, s) {
        let (an, one, many) = noun(field);
        let flag = format!("--{}", field.as_str().replace('_', "-"));
        eprintln!(
            "No {one} given, so no {header} header is sent: {} calls that need {an} will be refused. To add one, sign in again with {flag} ID (and --force to replace this connection).",
            shown(&profile.name)
        );
        let Some(lookup) = profile.lookups.iter().find(|l| l.field == field) else {
            continue;
        };
        let Some(token) = &s.secrets.access_token else {
            continue;
        };
        eprintln!("Listing the {many} this token can reach…");
        let http = oauth_setup::http::client();
        let listed = rt.block_on(oauth_setup::probe::lookup_with_vars(
            &http,
            profile,
            lookup,
            &s.meta.vars,
            token,
        ));
        match listed {
            Ok(choices) if choices.is_empty() => eprintln!("The list of {many} is empty."),
            Ok(choices) => {
                eprintln!("The {many} (ID, name); pass the ID to {flag}:");
                for c in choices {
                    eprintln!("  {}  {}", c.value, c.label);
                }
            }
            Err(e) => eprintln!("Listing the {many} failed: {e}"),
        }
        if let Ok(url) = profile.render(&lookup.url, &s.meta.vars) {
            let api_path = url::Url::parse(&url)
                .map(|u| u.path().to_string())
                .unwrap_or(url);
            eprintln!(
                "List them again with:  oauth-setup api --settings {} {}",
                settings_arg(ctx, path),
                shown(&api_path)
            );
        }
    }
}
