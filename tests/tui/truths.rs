//! Every screen says what is true for the connection's kind (issue 18):
//! a pasted token never "expires" or "renews", a client-credentials
//! connection has no grant to revoke, and a revocation names its host.
//! Rendered with the shipped profiles.

use crate::fixtures::*;
use crate::journeys::*;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use oauth_setup::tui::{Action, Effect, Screen, State, update};
use secrecy::SecretString;

/// The wizard over the profiles `oauth-setup` ships.
pub fn shipped() -> State {
    state_with(oauth_setup::provider::load::builtin())
}

/// HubDB's private-app token pasted, signed in and tested: on Save.
fn at_hubdb_static_save() -> State {
    let mut s = shipped();
    apply(&mut s, typed("hubdb"));
    apply(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Method);
    apply(&mut s, [key(KeyCode::Down), key(KeyCode::Enter)]);
    assert_eq!(s.scheme().map(|m| m.id.as_str()), Some("private_app_token"));
    // Through the set-up checklist to the token field.
    while s.screen == Screen::Setup {
        apply(&mut s, [key(KeyCode::Enter)]);
    }
    assert_eq!(s.screen, Screen::Credentials);
    apply(&mut s, [paste("pat-na1-0000")]);
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Effect::StartLogin { .. }]),
        "{cmds:?}"
    );
    let mut done = settings("hubdb", "private_app_token", "static_token");
    done.secrets.static_token = Some(SecretString::from("pat-na1-0000".to_string()));
    signed_in_and_tested(&mut s, done);
    s
}

#[test]
fn a_static_token_save_form_offers_no_initiate_oauth() {
    let s = at_hubdb_static_save();
    let out = draw(&s, 80, 24);
    assert!(!out.contains("InitiateOAuth"), "{out}");
    assert!(!out.contains("GETANDREFRESH"), "{out}");
    assert_snapshot!(out);
}

#[test]
fn a_static_token_summary_never_expires_or_renews() {
    let mut s = at_hubdb_static_save();
    let cmds = update(&mut s, key(KeyCode::Enter));
    let Some(Effect::Save { mode, .. }) = cmds.first() else {
        panic!("{cmds:?}");
    };
    assert_eq!(mode.as_str(), "OFF", "a pasted token is used as it is");
    apply(&mut s, [Action::SaveFinished(Ok(saved_file("hubdb")))]);
    // The whole summary, however long: read at a size that shows it all.
    let out = draw(&s, 100, 60);
    for wrong in [
        "before it expires",
        "--mode handoff",
        "renewed when needed",
        "OAUTH_EXPIRES_AT",
        "expired",
    ] {
        assert!(
            !out.contains(wrong),
            "{wrong:?} on a static-token summary:\n{out}"
        );
    }
    assert!(out.contains("does not expire on its own"), "{out}");
    assert_snapshot!(draw(&s, 80, 24));
}

/// The home screen with one connection of the given kind, asked to log out.
fn logout_question(l: oauth_setup::connections::Loaded) -> String {
    let mut s = at_home(vec![l]);
    apply(&mut s, [key(KeyCode::Char('l'))]);
    draw(&s, 100, 30)
}

#[test]
fn logging_out_of_client_credentials_revokes_no_grant() {
    let l = connection(
        "cvent",
        "cvent",
        "client_credentials",
        "client_credentials",
        |s| {
            s.meta.client_id = Some("cvent-client".into());
            s.secrets.access_token = Some(SecretString::from("at".to_string()));
            s.secrets.client_secret = Some(SecretString::from("cs".to_string()));
        },
    );
    let out = logout_question(l);
    assert!(!out.contains("grant is revoked"), "{out}");
    assert!(out.contains("There is no grant to revoke"), "{out}");
    assert_snapshot!(out);
}

#[test]
fn logging_out_of_a_grant_names_the_revocation_host() {
    let l = hubdb_valid("hubdb", 20);
    let mut l2 = l.clone();
    if let Some(s) = l2.settings.as_mut() {
        s.meta.endpoints.revocation_url =
            Some("https://api.hubapi.com/oauth/2026-03/token/revoke".into());
    }
    let out = logout_question(l2);
    assert!(out.contains("revoked at api.hubapi.com"), "{out}");
}

/// A HubDB grant saved by hand in `dir`, its endpoints on `base`.
fn saved_hubdb_grant(base: &str, dir: &std::path::Path) -> std::path::PathBuf {
    use oauth_setup::settings;
    let key = settings::load_or_create_key(&settings::KeySource::from_env_and_flag(None, dir))
        .expect("key");
    let mut s = settings("hubdb", "oauth", "authorization_code");
    s.meta.client_id = Some("hub-client-id".into());
    s.meta.endpoints.token_url = Some(format!("{base}/oauth/2026-03/token"));
    s.meta.endpoints.revocation_url = Some(format!("{base}/oauth/2026-03/token/revoke"));
    s.meta.expires_at = Some(settings::now_unix() + 1800);
    s.secrets.access_token = Some(SecretString::from("at-1".to_string()));
    s.secrets.refresh_token = Some(SecretString::from("rt-1".to_string()));
    s.secrets.client_secret = Some(SecretString::from("cs".to_string()));
    let path = dir.join("settings/hubdb.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    settings::write(&path, &key, &s).expect("write");
    path
}

#[test]
fn a_real_revocation_says_where_once_the_row_is_gone() {
    use crate::driver::{Driver, profiles, start_provider};
    let base = start_provider();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = saved_hubdb_grant(&base, dir.path());
    let mut d = Driver::launch(profiles(&base), dir.path());
    d.settle("the list", |s| s.screen == Screen::Home);
    d.key(KeyCode::Char('l'));
    let host = base.trim_start_matches("http://");
    let asked = draw(&d.state, 100, 30);
    assert!(asked.contains(&format!("revoked at {host}")), "{asked}");
    d.key(KeyCode::Char('y'));
    d.settle("the log-out and the list read again", |s| {
        s.home.job.is_none() && s.home.rows().is_empty()
    });
    assert!(!path.exists());
    let out = draw(&d.state, 100, 30);
    assert!(out.contains(&format!("revoked at {host}")), "{out}");
}

/// The shipped OData profile, on Entra's method, at the scopes screen.
fn at_entra_scopes() -> State {
    let mut s = shipped();
    apply(&mut s, typed("odata"));
    apply(&mut s, [key(KeyCode::Enter)]);
    while s.scheme().is_none_or(|m| m.id != "entra_id") {
        apply(&mut s, [key(KeyCode::Down)]);
    }
    apply(&mut s, [key(KeyCode::Enter), key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Scopes);
    s
}

#[test]
fn entra_starts_with_offline_access_and_warns_without_it() {
    let mut s = at_entra_scopes();
    assert!(
        s.scopes.selected.contains("offline_access"),
        "{:?}",
        s.scopes.selected
    );
    let out = draw(&s, 80, 24);
    assert!(!out.contains("not selected"), "{out}");
    // Unticking it says what is lost.
    apply(&mut s, typed("offline"));
    apply(&mut s, [key(KeyCode::Down), key(KeyCode::Char(' '))]);
    assert!(!s.scopes.selected.contains("offline_access"));
    let out = draw(&s, 100, 30);
    assert!(out.contains("offline_access not selected"), "{out}");
}

#[test]
fn entra_by_enter_alone_stops_on_the_tenant() {
    let mut s = at_entra_scopes();
    apply(&mut s, [key(KeyCode::Enter)]);
    assert_eq!(s.screen, Screen::Credentials);
    apply(
        &mut s,
        [
            paste("00000000-1111-2222-3333-444444444444"),
            key(KeyCode::Enter),
        ],
    );
    apply(
        &mut s,
        [paste("https://org.crm.dynamics.com/api/data/v9.2")],
    );
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(
        cmds.iter().all(|c| !matches!(c, Effect::StartLogin { .. })),
        "{cmds:?}"
    );
    assert_eq!(
        s.screen,
        Screen::Credentials,
        "signed in against /organizations/"
    );
    let out = draw(&s, 80, 24);
    assert!(out.contains("› Tenant"), "{out}");
    assert_snapshot!(out);
    // The default is taken only when Enter is pressed on it.
    let cmds = update(&mut s, key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Effect::StartLogin { .. }]),
        "{cmds:?}"
    );
}

#[test]
fn a_public_client_is_not_offered_to_keep_a_secret() {
    let mut s = at_entra_scopes();
    apply(&mut s, [key(KeyCode::Enter)]);
    let out = draw(&s, 80, 24);
    assert!(!out.contains("Keep the client secret"), "{out}");
    // A secret typed: now there is one to keep.
    while s.creds.focus < 3 {
        apply(&mut s, [key(KeyCode::Tab)]);
    }
    apply(&mut s, [paste("a-secret")]);
    let out = draw(&s, 80, 24);
    assert!(out.contains("[x] Keep the client secret"), "{out}");
}

#[test]
fn u_shows_the_sign_in_address_alone_and_any_key_goes_back() {
    use oauth_setup::oauth::LoginEvent;
    let mut s = at_hubdb_authorize();
    let url = "https://app.hubspot.com/oauth/authorize?client_id=hub-client-id&redirect_uri=http%3A%2F%2F127.0.0.1%3A40123%2Fcallback&scope=hubdb%20crm.objects.owners.read&state=0123456789abcdef0123456789abcdef&code_challenge=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG&code_challenge_method=S256";
    login_event(
        &mut s,
        LoginEvent::Listening {
            redirect_uri: "http://127.0.0.1:40123/callback".into(),
        },
    );
    login_event(
        &mut s,
        LoginEvent::AuthorizeUrl {
            url: url.into(),
            browser_started: true,
        },
    );
    let boxed = draw(&s, 80, 24);
    assert!(
        boxed.contains("(cut at …: u shows the whole address)"),
        "{boxed}"
    );
    assert!(
        !boxed.contains("o opens"),
        "o does not open a browser sign-in: {boxed}"
    );
    assert_snapshot!("authorize_long_url_cut", boxed);
    apply(&mut s, [key(KeyCode::Char('u'))]);
    let plain = draw(&s, 80, 24);
    assert!(!plain.contains('│'), "{plain}");
    let joined: String = plain
        .lines()
        .map(|l| l.trim_matches('"').trim_end())
        .collect();
    assert!(joined.contains(url), "{plain}");
    assert_snapshot!("authorize_url_alone", plain);
    // `?` is a key like any other here: back to the frame, no help.
    apply(&mut s, [key(KeyCode::Char('?'))]);
    assert!(s.help.is_none() && !s.auth.plain);
    assert!(draw(&s, 80, 24).contains("Address to open"));
}

/// An authorization server whose metadata lists only client-secret
/// authentication and whose token endpoint refuses a client without one
/// (`invalid_client`), as a confidential client's server does.
fn confidential_server() -> crate::common::TestServer {
    use std::sync::{Arc, OnceLock};
    let me: Arc<OnceLock<String>> = Arc::new(OnceLock::new());
    let base = me.clone();
    let server = crate::common::TestServer::start_with_headers(move |r| {
        let base = base.get().cloned().unwrap_or_default();
        let json = |code: u16, body: String| (code, "application/json", body, Vec::new());
        let path = r.url.split('?').next().unwrap_or_default();
        match path {
            "/.well-known/openid-configuration" | "/.well-known/oauth-authorization-server" => {
                json(200, serde_json::json!({
                    "issuer": base,
                    "authorization_endpoint": format!("{base}/authorize"),
                    "token_endpoint": format!("{base}/token"),
                    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                    "scopes_supported": ["openid"],
                }).to_string())
            }
            "/authorize" => {
                let u = url::Url::parse(&format!("http://x{}", r.url)).unwrap();
                let q: std::collections::HashMap<_, _> = u.query_pairs().into_owned().collect();
                let loc = format!("{}?code=c-1&state={}", q["redirect_uri"], q["state"]);
                (302, "text/plain", String::new(), vec![("Location", loc)])
            }
            "/token" if r.header("Authorization").is_some() || r.body.contains("client_secret=") => {
                json(200, r#"{"access_token":"at-1","token_type":"Bearer","expires_in":3600}"#.into())
            }
            "/token" => json(401, r#"{"error":"invalid_client","error_description":"client authentication failed"}"#.into()),
            _ => json(404, "{}".into()),
        }
    });
    me.set(server.url.clone()).unwrap();
    server
}

/// Custom → browser sign-in → the form with the client ID and issuer given.
fn custom_form(d: &mut crate::driver::Driver, issuer: &str) {
    d.typed("cu");
    d.key(KeyCode::Enter);
    while d.state.screen != Screen::Credentials {
        d.key(KeyCode::Enter);
    }
    d.paste("conf-client");
    d.key(KeyCode::Enter);
    assert_eq!(
        d.state.creds.value(&oauth_setup::tui::FormKey::Field(
            oauth_setup::provider::Field::Issuer
        )),
        ""
    );
    d.paste(issuer);
    d.key(KeyCode::Enter);
}

#[test]
fn a_confidential_clients_secret_is_asked_for_and_a_refusal_lands_on_it() {
    use crate::driver::{Driver, install_browser};
    use oauth_setup::provider::Field;
    use oauth_setup::tui::{AuthPhase, FormKey, FormRow, form_rows};
    install_browser();
    let idp = confidential_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut d = Driver::launch(oauth_setup::provider::load::builtin(), dir.path());
    custom_form(&mut d, &idp.url);
    // The metadata lists no public-client sign-in: Enter stops on the secret.
    d.settle("the metadata", |s| !s.creds.awaiting_metadata);
    d.at(Screen::Credentials);
    let secret = FormKey::Field(Field::ClientSecret);
    let at = |s: &State| match form_rows(s).get(s.creds.focus) {
        Some(FormRow::Input { key, .. }) => key.clone(),
        _ => FormKey::Var("none".into()),
    };
    assert_eq!(at(&d.state), secret);
    let out = draw(&d.state, 100, 30);
    assert!(out.contains("expects a client secret"), "{out}");
    assert!(!out.contains("Client secret (opt)"), "{out}");
    // Enter without it: signed in as a public client, refused, and the
    // failure names the secret; back on the form, focus is on it.
    d.key(KeyCode::Enter);
    d.settle("the refusal", |s| {
        matches!(s.auth.phase, AuthPhase::Failed { .. })
    });
    let out = draw(&d.state, 100, 30);
    assert!(out.contains("Client secret"), "{out}");
    d.key(KeyCode::Esc);
    d.at(Screen::Credentials);
    assert_eq!(at(&d.state), secret, "focus on the secret, not the issuer");
    d.paste("the-secret");
    d.key(KeyCode::Enter);
    d.settle("the sign-in", |s| s.settings.is_some());
}

#[test]
fn region_advice_only_where_there_is_a_region() {
    use oauth_setup::tui::{AuthPhase, Failure};
    let network = "Check the network (proxy, firewall, VPN) and any URL you typed.";
    let unreachable = || Failure {
        hint: Some(network.into()),
        ..Failure::new("could not connect to the token endpoint")
    };
    // HubDB has no regions.
    let mut s = at_hubdb_authorize();
    let run = s.auth.run;
    apply(
        &mut s,
        [Action::LoginFinished {
            run,
            result: Err(unreachable()),
        }],
    );
    let AuthPhase::Failed { hint, .. } = &s.auth.phase else {
        panic!()
    };
    assert!(
        !hint.as_deref().unwrap_or_default().contains("region"),
        "{hint:?}"
    );
    // Cvent has two.
    let mut s = at_cvent_credentials();
    apply(&mut s, [paste("id"), key(KeyCode::Tab), paste("secret")]);
    let _ = update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.screen, Screen::Authorize);
    let run = s.auth.run;
    apply(
        &mut s,
        [Action::LoginFinished {
            run,
            result: Err(unreachable()),
        }],
    );
    let AuthPhase::Failed { hint, .. } = &s.auth.phase else {
        panic!()
    };
    assert!(
        hint.as_deref().unwrap_or_default().contains("region"),
        "{hint:?}"
    );
}

#[test]
fn address_delivered_does_not_stay_under_a_failure() {
    use oauth_setup::oauth::LoginEvent;
    use oauth_setup::tui::Failure;
    let mut s = at_hubdb_authorize();
    login_event(
        &mut s,
        LoginEvent::Listening {
            redirect_uri: "http://127.0.0.1:1/callback".into(),
        },
    );
    apply(&mut s, [Action::ReplayFinished(Ok(()))]);
    assert!(draw(&s, 80, 24).contains("Address delivered"));
    let run = s.auth.run;
    apply(
        &mut s,
        [Action::LoginFinished {
            run,
            result: Err(Failure::new("invalid_grant")),
        }],
    );
    let out = draw(&s, 80, 24);
    assert!(!out.contains("Address delivered"), "{out}");
}

#[test]
fn a_selection_equal_to_a_preset_is_named_as_it() {
    let mut s = at_cvent_scopes();
    // Untick and tick again the first scope: the same as the preset.
    apply(&mut s, [key(KeyCode::Char(' '))]);
    assert!(draw(&s, 80, 24).contains("Preset: custom"));
    apply(&mut s, [key(KeyCode::Char(' '))]);
    let out = draw(&s, 80, 24);
    assert!(out.contains("Preset: Minimum for the connector"), "{out}");
}

#[test]
fn the_default_cvent_preset_flags_nothing() {
    let mut s = shipped();
    apply(&mut s, typed("cvent"));
    apply(&mut s, [key(KeyCode::Enter)]);
    while s.screen != Screen::Scopes {
        apply(&mut s, [key(KeyCode::Enter)]);
    }
    assert!(!s.scopes.selected.contains("survey/surveys:write"));
    let out = draw(&s, 100, 30);
    assert!(!out.contains("may be rejected"), "{out}");
}

#[test]
fn the_first_step_has_a_total() {
    let out = draw(&state(), 80, 24);
    assert!(out.lines().next().unwrap().contains("step 1 of "), "{out}");
}

#[test]
fn a_refresh_token_is_the_grant_of_offline_access_and_seconds_are_under_a_minute() {
    let mut s = at_save();
    apply(
        &mut s,
        [
            key(KeyCode::Enter),
            Action::SaveFinished(Ok(saved_file("hubdb"))),
        ],
    );
    let st = s.settings.as_mut().unwrap();
    st.meta.scopes = vec!["openid".into(), "offline_access".into()];
    st.meta.granted_scopes = Some(vec!["openid".into()]);
    st.meta.expires_at = Some(oauth_setup::settings::now_unix() + 40);
    st.secrets.refresh_token = Some(SecretString::from("rt".to_string()));
    let out = draw(&s, 100, 30);
    assert!(!out.contains("not granted"), "{out}");
    assert!(out.contains("(in under a minute)"), "{out}");
    assert!(!out.contains("in 1 min") && !out.contains("0 min"), "{out}");
}

#[test]
fn a_picked_organization_keeps_its_name_beside_the_id() {
    let (mut s, run) = at_eventtemple_org();
    apply(
        &mut s,
        [Action::LookupFinished {
            run,
            result: Ok(orgs()),
        }],
    );
    apply(&mut s, typed("sou"));
    apply(&mut s, [key(KeyCode::Enter)]);
    let out = draw(&s, 80, 24);
    assert!(out.contains("= Hotel South"), "{out}");
}

#[test]
fn nothing_is_cut_without_an_ellipsis() {
    // A notice longer than the status line, at each width the issue names.
    for w in [100u16, 80, 60] {
        let mut s = at_cvent_credentials();
        s.info("x".repeat(200));
        let out = draw(&s, w, 24);
        let status = out.lines().rev().nth(1).unwrap();
        assert!(status.contains('…'), "{w}: {status}");
    }
    // The scopes header at 60 columns.
    let out = draw(&at_cvent_scopes(), 60, 20);
    let header = out.lines().nth(2).unwrap();
    assert!(
        header.trim_end_matches(['"', '│', ' ']).ends_with('…'),
        "{header}"
    );
    // The credentials form's first line and the key hints at 60 columns.
    let out = draw(&at_cvent_credentials(), 60, 20);
    let first = out.lines().nth(2).unwrap();
    assert!(
        first.trim_end_matches(['"', '│', ' ']).ends_with('…'),
        "{first}"
    );
    let footer = out.lines().last().unwrap().trim_end_matches(['"', ' ']);
    assert!(footer.ends_with('…'), "{footer}");
}

#[test]
fn an_empty_test_url_says_it_means_userinfo() {
    let mut s = shipped();
    apply(&mut s, typed("custom"));
    apply(&mut s, [key(KeyCode::Enter)]);
    while s.screen != Screen::Credentials {
        apply(&mut s, [key(KeyCode::Enter)]);
    }
    let out = draw(&s, 100, 30);
    assert!(
        out.contains("empty = the issuer's userinfo endpoint"),
        "{out}"
    );
}

#[test]
fn a_renewal_to_a_token_of_seconds_says_under_a_minute() {
    use crate::common::{Idp, User};
    use crate::driver::Driver;
    let idp = Idp::start(&["--ttl", "30"]);
    let user = User::new();
    let path = user.config().join("settings/short.json");
    user.login_code(&idp, &path).ok();
    let mut d = Driver::launch(oauth_setup::provider::load::builtin(), &user.config());
    d.settle("the list", |s| {
        s.screen == Screen::Home && !s.home.rows().is_empty()
    });
    d.key(KeyCode::Char('r'));
    d.settle("the renewal", |s| s.home.outcome.is_some());
    let said = d
        .state
        .home
        .outcome
        .clone()
        .unwrap()
        .result
        .expect("renewed");
    assert_eq!(said, "Renewed: valid for under a minute.");
}

#[test]
fn a_long_logout_error_ends_in_an_ellipsis_at_60_columns() {
    use oauth_setup::tui::{Failure, JobKind};
    let mut s = at_home(vec![hubdb_valid("hubdb", 20)]);
    apply(&mut s, [key(KeyCode::Char('l')), key(KeyCode::Char('y'))]);
    assert_eq!(
        s.home.job.as_ref().map(|j| j.kind),
        Some(JobKind::LogOut { local_only: false })
    );
    let run = s.home.run;
    let long = "the provider did not revoke the token: the token endpoint refused the request (HTTP 503): temporarily_unavailable — the revocation service is down for maintenance, try again in a few minutes. /home/user/.config/oauth-setup/settings/hubdb.json is kept";
    apply(
        &mut s,
        [Action::ConnectionFinished {
            run,
            result: Err(Failure {
                hint: Some("Nothing was removed: y removes it anyway, n keeps it.".into()),
                ..Failure::new(long)
            }),
        }],
    );
    // The question that follows is answered no: the error is what shows.
    apply(&mut s, [key(KeyCode::Char('n'))]);
    let out = draw(&s, 60, 20);
    let n = out.lines().count();
    // Not the key hints (the last line): the error's own last row.
    assert!(out.lines().take(n - 1).any(|l| l.contains("…│")), "{out}");
}

#[test]
fn the_home_screen_says_what_happens_when_a_token_runs_out_by_kind() {
    // A grant without a refresh token is not renewed.
    let mut l = hubdb_valid("hubdb", 20);
    if let Some(s) = l.settings.as_mut() {
        s.secrets.refresh_token = None;
    }
    let out = draw(&at_home(vec![l]), 100, 30);
    assert!(!out.contains("renewed"), "{out}");
    assert!(out.contains("then sign in again"), "{out}");
    // A client-credentials connection gets a new one with its secret.
    let cc = connection(
        "cvent",
        "cvent",
        "client_credentials",
        "client_credentials",
        |s| {
            s.meta.expires_at = Some(READ_AT + 1800);
            s.secrets.access_token = Some(SecretString::from("at".to_string()));
            s.secrets.client_secret = Some(SecretString::from("cs".to_string()));
        },
    );
    let out = draw(&at_home(vec![cc]), 100, 30);
    assert!(
        out.contains("fetched again with the client secret"),
        "{out}"
    );
}
