//! The CData contract, table-driven: every provider × method × connector ×
//! build × mode × dialect the tool supports, from a fixed settings file whose
//! tokens and secret are hostile (`;`, `'`, `"`, `{`, `}`, `=`). Each case
//! checks the exact string `connection-string` prints, each property against
//! the contract file (documented for that build, AuthScheme and
//! InitiateOAuth in the closed sets), and that a parser of that dialect reads
//! back exactly the intended properties (issue 19, N8). Refusals print
//! nothing and name their reason.

use crate::common::*;
use oauth_setup::export::connection_string::{Dialect, parse};
use oauth_setup::provider::SchemeKind;
use oauth_setup::provider::cdata;
use oauth_setup::settings::{self, KeySource, Meta, Secrets, Settings};
use secrecy::SecretString;

pub(crate) const AT: &str = "at;InitiateOAuth=GETANDREFRESH;OAuthSettingsLocation={/tmp/x}}'\"=";
pub(crate) const RT: &str = "rt}};InitiateOAuth=OFF;'x";
pub(crate) const CS: &str = "cs';{\"=}";
pub(crate) const PAT: &str = "pat-na1-{;}'";
const TS_MS: i64 = 1_900_000_000_000;
const SR: &str = "https://contoso.example/odata";
const D365: &str = "https://contoso.crm.dynamics.com/api/data/v9.2";
const TU: &str = "https://login.example.test/oauth2/token";
const AU: &str = "https://login.example.test/oauth2/authorize";

fn secret(s: &str) -> Option<SecretString> {
    Some(SecretString::from(s.to_string()))
}

/// The fixed settings for one provider and method: what a sign-in would
/// have stored, tokens valid until 2030 (nothing is renewed).
pub(crate) fn fixture(provider: &str, scheme: &str, at: &str, rt: &str, cs: &str) -> Settings {
    let kind = match scheme {
        "client_credentials" => SchemeKind::ClientCredentials,
        "private_app_token" => SchemeKind::StaticToken,
        "device_code" => SchemeKind::DeviceCode,
        _ => SchemeKind::AuthorizationCode,
    };
    let mut m = Meta::new(provider, scheme, kind);
    let mut x = Secrets::default();
    m.expires_at = Some(TS_MS / 1000 + 3600);
    m.token_timestamp_ms = Some(TS_MS);
    if kind == SchemeKind::StaticToken {
        m.expires_at = None;
        m.token_timestamp_ms = None;
        x.static_token = secret(PAT);
        return Settings::new(m, x);
    }
    m.client_id = Some("app-1".into());
    x.access_token = secret(at);
    match (provider, scheme) {
        ("hubdb", _) => {
            m.endpoints.token_url = Some("https://api.hubapi.com/oauth/2026-03/token".into());
            m.callback_url = Some("http://localhost:33333".into());
            m.scopes = vec!["hubdb".into(), "crm.objects.owners.read".into()];
            x.client_secret = secret(cs);
            x.refresh_token = secret(rt);
        }
        ("cvent", _) => {
            m.region = Some("na".into());
            m.endpoints.token_url = Some("https://api-platform.cvent.com/ea/oauth2/token".into());
            m.scopes = vec!["event/events:read".into()];
            x.client_secret = secret(cs);
            if scheme == "authorization_code" {
                x.refresh_token = secret(rt);
            }
        }
        (_, "entra_id") => {
            m.vars.insert("service_root".into(), D365.into());
            m.vars
                .insert("tenant".into(), "contoso.onmicrosoft.com".into());
            m.scopes = vec![
                "https://contoso.crm.dynamics.com/.default".into(),
                "offline_access".into(),
            ];
            x.refresh_token = secret(rt);
        }
        (_, "client_credentials") => {
            m.vars.insert("service_root".into(), SR.into());
            m.endpoints.token_url = Some(TU.into());
            m.scopes = vec!["https://contoso.example/.default".into()];
            x.client_secret = secret(cs);
        }
        (_, _) => {
            m.vars.insert("service_root".into(), SR.into());
            m.endpoints.token_url = Some(TU.into());
            if scheme == "desktop" {
                m.endpoints.authorize_url = Some(AU.into());
            }
            m.scopes = vec!["api.read".into(), "offline_access".into()];
            x.refresh_token = secret(rt);
        }
    }
    Settings::new(m, x)
}

/// What a case should give.
pub(crate) enum Want {
    Props(Vec<(&'static str, String)>),
    Refused(&'static str),
}

fn p(v: &[(&'static str, &str)]) -> Want {
    Want::Props(v.iter().map(|(k, v)| (*k, v.to_string())).collect())
}

/// The expected result, written out by hand from the contract files (the
/// builder's order: AuthScheme, options, vars, fixed, then the mode's).
/// `mem` is the driver's memory:// location.
pub(crate) fn expected(connector: &str, build: u32, scheme: &str, mode: &str, mem: &str) -> Want {
    let handoff_times = [
        ("OAuthExpiresIn", "3600"),
        ("OAuthTokenTimestamp", "1900000000000"),
    ];
    let ts = |v: &mut Vec<(&'static str, &str)>| v.extend(handoff_times);
    match (connector, scheme, mode) {
        ("hubdb", "oauth", "token") => p(&[
            ("AuthScheme", "OAuth"),
            ("InitiateOAuth", "OFF"),
            ("OAuthAccessToken", AT),
        ]),
        ("hubdb", "oauth", "handoff") => {
            let mut v = vec![
                ("AuthScheme", "OAuth"),
                ("InitiateOAuth", "REFRESH"),
                ("OAuthClientId", "app-1"),
                ("OAuthClientSecret", CS),
                ("OAuthAccessToken", AT),
                ("OAuthRefreshToken", RT),
            ];
            ts(&mut v);
            v.extend([
                ("OAuthSettingsLocation", mem),
                ("CallbackURL", "http://localhost:33333"),
            ]);
            p(&v)
        }
        ("hubdb", "private_app_token", "token") => {
            p(&[("AuthScheme", "PrivateApp"), ("PrivateAppToken", PAT)])
        }
        ("hubdb", "private_app_token", "handoff") => Want::Refused("not an OAuth grant"),
        ("cvent", _, "token") => p(&[("InitiateOAuth", "OFF"), ("OAuthAccessToken", AT)]),
        ("cvent", _, "handoff") => Want::Refused("documents no OAuthRefreshToken property"),
        ("cvent", "client_credentials", "app") => p(&[
            ("InitiateOAuth", "GETANDREFRESH"),
            ("OAuthClientId", "app-1"),
            ("OAuthClientSecret", CS),
            ("Scope", "event/events:read"),
        ]),
        ("odata", "entra_id", m) => {
            let mut v = vec![
                ("AuthScheme", "AzureAD"),
                ("AzureResource", "https://contoso.crm.dynamics.com"),
                ("AzureTenant", "contoso.onmicrosoft.com"),
                ("URL", D365),
            ];
            entra_mode(&mut v, m, mem, true)
        }
        ("dynamics365", "entra_id", m) => {
            let mut v = vec![
                ("AuthScheme", "AzureAD"),
                ("Edition", "Sales"),
                ("AzureTenant", "contoso.onmicrosoft.com"),
                ("OrganizationUrl", "https://contoso.crm.dynamics.com"),
            ];
            entra_mode(&mut v, m, mem, false)
        }
        ("dynamics365", _, _) => Want::Refused("documents no way to take"),
        ("odata", s, m) => odata_expected(build, s, m, mem),
        (_, _, "app") => Want::Refused("client-credentials connections"),
        other => panic!("no expectation for {other:?}"),
    }
}

fn odata_expected(build: u32, s: &str, m: &str, mem: &str) -> Want {
    let ts = [
        ("OAuthExpiresIn", "3600"),
        ("OAuthTokenTimestamp", "1900000000000"),
    ];

    let head = [
        ("AuthScheme", "OAuth"),
        ("URL", SR),
        ("OAuthVersion", "2.0"),
    ];
    let mut v: Vec<(&'static str, &str)> = head.to_vec();
    match (s, m) {
        (_, "token") => {
            v.extend([("InitiateOAuth", "OFF"), ("OAuthAccessToken", AT)]);
            p(&v)
        }
        ("client_credentials", "handoff") => Want::Refused("has no refresh token"),
        ("client_credentials", "app") => {
            if build >= 24 {
                v[0] = ("AuthScheme", "OAuthClient");
            } else {
                v.push(("OAuthGrantType", "CLIENT"));
            }
            v.extend([
                ("InitiateOAuth", "GETANDREFRESH"),
                ("OAuthClientId", "app-1"),
                ("OAuthClientSecret", CS),
                ("OAuthSettingsLocation", mem),
                ("OAuthAccessTokenURL", TU),
                ("OAuthRefreshTokenURL", TU),
                ("OAuthParams", "scope=https://contoso.example/.default"),
            ]);
            p(&v)
        }
        (_, "handoff") => {
            v.extend([
                ("InitiateOAuth", "REFRESH"),
                ("OAuthClientId", "app-1"),
                ("OAuthAccessToken", AT),
                ("OAuthRefreshToken", RT),
            ]);
            v.extend(ts);
            v.extend([
                ("OAuthSettingsLocation", mem),
                ("OAuthAccessTokenURL", TU),
                ("OAuthRefreshTokenURL", TU),
            ]);
            if s == "desktop" {
                v.push(("OAuthAuthorizationURL", AU));
            }
            v.push(("OAuthParams", "scope=api.read offline_access"));
            p(&v)
        }
        _ => Want::Refused("client-credentials connections"),
    }
}

fn entra_mode<'a>(
    v: &mut Vec<(&'static str, &'a str)>,
    mode: &str,
    mem: &'a str,
    scope: bool,
) -> Want {
    match mode {
        "token" => v.extend([("InitiateOAuth", "OFF"), ("OAuthAccessToken", AT)]),
        "handoff" => {
            v.extend([
                ("InitiateOAuth", "REFRESH"),
                ("OAuthClientId", "app-1"),
                ("OAuthAccessToken", AT),
                ("OAuthRefreshToken", RT),
                ("OAuthExpiresIn", "3600"),
                ("OAuthTokenTimestamp", "1900000000000"),
                ("OAuthSettingsLocation", mem),
            ]);
            if scope {
                v.push((
                    "Scope",
                    "https://contoso.crm.dynamics.com/.default offline_access",
                ));
            }
        }
        _ => return Want::Refused("client-credentials connections"),
    }
    p(v)
}

/// The test's own quoting, written apart from the builder's: bare when
/// nothing special, else `'…'` / `{…}` with the closing quote doubled.
fn quote(v: &str, d: Dialect) -> String {
    let special = v.is_empty()
        || v.starts_with(' ')
        || v.ends_with(' ')
        || v.chars().any(|c| ";'\"={}".contains(c));
    match (special, d) {
        (false, _) => v.to_string(),
        (true, Dialect::AdoNet) => format!("'{}'", v.replace('\'', "''")),
        (true, Dialect::Odbc) => format!("{{{}}}", v.replace('}', "}}")),
    }
}

struct Case {
    provider: &'static str,
    connector: &'static str,
    scheme: &'static str,
}

const CASES: &[Case] = &[
    Case {
        provider: "hubdb",
        connector: "hubdb",
        scheme: "oauth",
    },
    Case {
        provider: "hubdb",
        connector: "hubdb",
        scheme: "private_app_token",
    },
    Case {
        provider: "cvent",
        connector: "cvent",
        scheme: "client_credentials",
    },
    Case {
        provider: "cvent",
        connector: "cvent",
        scheme: "authorization_code",
    },
    Case {
        provider: "odata",
        connector: "odata",
        scheme: "desktop",
    },
    Case {
        provider: "odata",
        connector: "odata",
        scheme: "device_code",
    },
    Case {
        provider: "odata",
        connector: "odata",
        scheme: "client_credentials",
    },
    Case {
        provider: "odata",
        connector: "odata",
        scheme: "entra_id",
    },
    Case {
        provider: "odata",
        connector: "dynamics365",
        scheme: "entra_id",
    },
    Case {
        provider: "odata",
        connector: "dynamics365",
        scheme: "desktop",
    },
];

#[test]
fn every_provider_method_build_mode_and_dialect() {
    let user = User::new();
    let key = settings::load_or_create_key(&KeySource::Default(oauth_setup::paths::key_file(
        &user.config(),
    )))
    .unwrap();
    // Every provider with a CData connector is in the table.
    for c in cdata::contracts() {
        assert!(
            CASES.iter().any(|x| x.connector == c.id),
            "{} untested",
            c.id
        );
    }
    let mut checked = 0;
    for case in CASES {
        let contract = cdata::by_id(case.connector).unwrap();
        for range in &contract.builds {
            for build in range.first..=range.last {
                for mode in ["token", "handoff", "app"] {
                    for d in Dialect::ALL {
                        let name = format!(
                            "{}-{}-{}-{build}-{mode}-{}",
                            case.provider,
                            case.connector,
                            case.scheme,
                            d.as_str()
                        );
                        let path = user.path(&format!("{name}.json"));
                        let s = fixture(case.provider, case.scheme, AT, RT, CS);
                        settings::write(&path, &key, &s).unwrap();
                        let mem = format!("memory://oauth-setup-{name}");
                        let want = expected(case.connector, build, case.scheme, mode, &mem);
                        let mut args = vec![
                            "connection-string".to_string(),
                            "--settings".into(),
                            path.to_str().unwrap().into(),
                            "--mode".into(),
                            mode.into(),
                            "--connector".into(),
                            case.connector.into(),
                            "--connector-build".into(),
                            build.to_string(),
                            "--dialect".into(),
                            d.as_str().into(),
                        ];
                        if case.connector == "dynamics365" {
                            args.extend(["--connector-option".into(), "Edition=Sales".into()]);
                        }
                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                        let out = user.run(&args);
                        check(&name, range, want, &out, d);
                        let after = settings::read(&path, &key).unwrap();
                        assert_eq!(
                            after.meta.handed_off_at.is_some(),
                            mode == "handoff" && out.code == 0,
                            "{name}: recorded hand-off"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 150, "{checked}");
}

fn check(name: &str, range: &cdata::Build, want: Want, out: &Out, d: Dialect) {
    match want {
        Want::Refused(why) => {
            assert_eq!(out.code, 2, "{name}: {out:#?}");
            assert!(out.stdout.is_empty(), "{name}: {}", out.stdout);
            assert!(out.stderr.contains(why), "{name}: {}", out.stderr);
            for way in ["exec", "api", "token"] {
                assert!(out.stderr.contains(way), "{name}: {}", out.stderr);
            }
        }
        Want::Props(props) => {
            assert_eq!(out.code, 0, "{name}: {out:#?}");
            let exact: String = props
                .iter()
                .map(|(k, v)| format!("{k}={};", quote(v, d)))
                .collect();
            assert_eq!(out.stdout.trim_end(), exact, "{name}");
            let back =
                parse(out.stdout.trim_end(), d).unwrap_or_else(|| panic!("{name}: malformed"));
            let intended: Vec<(String, String)> = props
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            assert_eq!(back, intended, "{name}: read back differently");
            for (k, v) in &back {
                assert!(
                    range.properties.contains_key(k),
                    "{name}: {k} not in the contract"
                );
                if k == "AuthScheme" {
                    let allowed = &range.auth_scheme.as_ref().unwrap().values;
                    assert!(allowed.contains(v), "{name}: AuthScheme={v}");
                }
                if k == "InitiateOAuth" {
                    assert!(
                        range.initiate_oauth.values.contains(v),
                        "{name}: InitiateOAuth={v}"
                    );
                }
            }
        }
    }
}

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
const BEGIN: &str = "<!-- cdata-examples: generated from assets/cdata by the builder; `OAUTH_SETUP_UPDATE_README=1 cargo test --test cli cdata_contract::readme` rewrites it -->";
const END: &str = "<!-- /cdata-examples -->";

/// The README's example strings, made by the builder from the contracts
/// (placeholder secrets `…`): every method at its connector's default
/// build, and OData's build 24 client credentials.
fn readme_rows() -> String {
    use oauth_setup::export::connection_string::{self as cs, Choice, Mode, Request};
    use std::fmt::Write as _;
    let mut rows =
        String::from("| connector, build | method | mode | the string |\n|---|---|---|---|\n");
    let mut cases: Vec<(&Case, Option<u32>)> = CASES.iter().map(|c| (c, None)).collect();
    cases.push((&CASES[6], Some(24)));
    for (case, build) in cases {
        let s = fixture(case.provider, case.scheme, "…", "…", "…");
        let choice = Choice {
            connector: Some(case.connector.into()),
            build,
            options: if case.connector == "dynamics365" {
                vec![("Edition".into(), "Sales".into())]
            } else {
                vec![]
            },
        };
        let Ok(t) = cs::target(case.provider, case.provider, &s, &choice) else {
            continue;
        };
        for mode in [Mode::Token, Mode::Handoff, Mode::App] {
            let token = s
                .secrets
                .access_token
                .as_ref()
                .or(s.secrets.static_token.as_ref());
            let req = Request {
                mode,
                include_secrets: false,
                driver_location: &format!("memory://oauth-setup-{}", case.provider),
                now_ms: TS_MS,
            };
            let Ok(parts) = cs::build(&s, token, &t, &req) else {
                continue;
            };
            let parts: Vec<(String, String)> = parts
                .into_iter()
                .map(|(k, v)| {
                    let hide = k == "PrivateAppToken";
                    (k, if hide { "…".into() } else { v })
                })
                .collect();
            let _ = writeln!(
                rows,
                "| {} {} | `{}` | `{}` | `{}` |",
                t.contract.connector,
                t.build,
                case.scheme,
                mode.as_str(),
                cs::render(&parts, Dialect::AdoNet)
            );
        }
    }
    rows
}

/// The README's "Use the credentials" examples are the builder's output,
/// so the words and the strings cannot drift apart.
#[test]
fn readme_examples_are_the_builders() {
    let text = std::fs::read_to_string(README).unwrap();
    let (start, end) = (
        text.find(BEGIN).expect("README marker"),
        text.find(END).expect("README end marker"),
    );
    let inside = &text[start + BEGIN.len()..end];
    let want = format!("\n{}", readme_rows());
    if std::env::var_os("OAUTH_SETUP_UPDATE_README").is_some() {
        let new = format!("{}{want}{}", &text[..start + BEGIN.len()], &text[end..]);
        std::fs::write(README, new).unwrap();
        return;
    }
    assert_eq!(
        inside, want,
        "README cdata examples are stale: rerun with OAUTH_SETUP_UPDATE_README=1"
    );
}

/// `export --format env` carries the string `connection-string` prints,
/// in the dialect asked: here ODBC, with hostile tokens (the env file's own
/// quoting undone first).
#[test]
fn env_export_carries_the_same_string_in_the_dialect_asked() {
    use oauth_setup::export::service_env::env_quote;
    let user = User::new();
    let key = settings::load_or_create_key(&KeySource::Default(oauth_setup::paths::key_file(
        &user.config(),
    )))
    .unwrap();
    let path = user.path("od.json");
    let s = path.to_str().unwrap();
    settings::write(&path, &key, &fixture("odata", "desktop", AT, RT, CS)).unwrap();
    let cs = user
        .run(&["connection-string", "--settings", s, "--dialect", "odbc"])
        .ok()
        .stdout;
    let cs = cs.trim_end();
    assert_eq!(
        parse(cs, Dialect::Odbc).unwrap()[4],
        ("OAuthAccessToken".to_string(), AT.to_string())
    );
    let env = user
        .run(&[
            "export",
            "--settings",
            s,
            "--format",
            "env",
            "--dialect",
            "odbc",
        ])
        .ok()
        .stdout;
    let line = format!("OAUTH_SETUP_CONNECTION_STRING={}", env_quote(cs));
    assert!(env.lines().any(|l| l == line), "{env}");
}
