//! The command lines scripts run once per job, `token` and `exec` in their
//! plain forms, read by hand into the same [`Cli`] clap would build, so a
//! cached `token` does not pay for building clap's command tree (README
//! "Performance"). Anything else — help, an unknown or repeated flag, a
//! value clap might refuse — gives `None`, and clap parses the line, errors
//! and all. The tests compare the two on many command lines; a field added
//! to `TokenArgs` or `ExecArgs` fails to compile here until it is added.

use super::{Cli, Command, ExecArgs, KeyStoreArg, SettingsArg, TokenArgs, env_name};
use std::ffi::OsString;
use std::path::PathBuf;

const ENV_CONFIG_DIR: &str = "OAUTH_SETUP_CONFIG_DIR";
const ENV_KEY_STORE: &str = "OAUTH_SETUP_KEY_STORE";
const ENV_CA_FILE: &str = "OAUTH_SETUP_CA_FILE";
const ENV_SETTINGS: &str = "OAUTH_SETUP_SETTINGS";

/// `args` as from `std::env::args_os()` (the program name first); `env`
/// looks up an environment variable.
pub fn parse(args: &[OsString], env: &dyn Fn(&str) -> Option<OsString>) -> Option<Cli> {
    let mut globals = Globals::default();
    let mut words = args.iter().skip(1);
    let command = loop {
        let word = words.next()?.to_str()?;
        if !globals.take(word, &mut words)? {
            break word;
        }
    };
    let mut settings = None;
    let command = match command {
        "token" => {
            let (mut json, mut header, mut force) = (false, false, false);
            while let Some(word) = words.next() {
                let word = word.to_str()?;
                match word {
                    "--json" => set_flag(&mut json)?,
                    "--header" => set_flag(&mut header)?,
                    "--force" => set_flag(&mut force)?,
                    _ if take_option(word, "--settings", &mut words, &mut settings)? => {}
                    _ if globals.take(word, &mut words)? => {}
                    _ => return None,
                }
            }
            // clap refuses the two together.
            if json && header {
                return None;
            }
            Command::Token(TokenArgs {
                file: settings_arg(settings, env)?,
                json,
                header,
                force,
            })
        }
        "exec" => {
            let mut token_var: Option<OsString> = None;
            let mut program = Vec::new();
            while let Some(word) = words.next() {
                if word == "--" {
                    program.extend(words.by_ref().cloned());
                    break;
                }
                let text = word.to_str()?;
                if !text.starts_with('-') {
                    // The program: it and every word after it are its own.
                    program.push(word.clone());
                    program.extend(words.by_ref().cloned());
                    break;
                }
                if !take_option(text, "--settings", &mut words, &mut settings)?
                    && !take_option(text, "--env", &mut words, &mut token_var)?
                    && !globals.take(text, &mut words)?
                {
                    return None;
                }
            }
            if program.is_empty() {
                return None;
            }
            let token_var = match token_var {
                Some(v) => env_name(v.to_str()?).ok()?,
                None => oauth_setup::api::TOKEN_VAR.to_string(),
            };
            Command::Exec(ExecArgs {
                file: settings_arg(settings, env)?,
                token_var,
                command: program,
            })
        }
        _ => return None,
    };
    Some(Cli {
        config_dir: from_env(globals.config_dir, env, ENV_CONFIG_DIR)?.map(PathBuf::from),
        key_file: globals.key_file.map(PathBuf::from),
        key_store: key_store(globals.key_store, env)?,
        ca_file: from_env(globals.ca_file, env, ENV_CA_FILE)?.map(PathBuf::from),
        provider: None,
        command: Some(command),
    })
}

/// The options every command takes (`global = true` in clap), before or
/// after the command's name.
#[derive(Default)]
struct Globals {
    config_dir: Option<OsString>,
    key_file: Option<OsString>,
    key_store: Option<OsString>,
    ca_file: Option<OsString>,
}

impl Globals {
    /// `Some(true)` when `word` was one of them (its value taken too),
    /// `Some(false)` when it is something else, `None` when clap must judge.
    fn take<'a>(
        &mut self,
        word: &str,
        rest: &mut impl Iterator<Item = &'a OsString>,
    ) -> Option<bool> {
        Some(
            take_option(word, "--config-dir", rest, &mut self.config_dir)?
                || take_option(word, "--key-file", rest, &mut self.key_file)?
                || take_option(word, "--key-store", rest, &mut self.key_store)?
                || take_option(word, "--ca-file", rest, &mut self.ca_file)?,
        )
    }
}

/// `--name VALUE` or `--name=VALUE` into `slot`: `Some(true)` when taken,
/// `Some(false)` when `word` is another option, `None` for what clap would
/// refuse or read otherwise (given twice, an empty value, a value that
/// looks like an option).
fn take_option<'a>(
    word: &str,
    name: &str,
    rest: &mut impl Iterator<Item = &'a OsString>,
    slot: &mut Option<OsString>,
) -> Option<bool> {
    let value = if word == name {
        rest.next()?.clone()
    } else if let Some(v) = word.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
        OsString::from(v)
    } else {
        return Some(false);
    };
    let plain = value
        .to_str()
        .is_none_or(|v| !v.is_empty() && !v.starts_with('-'));
    if slot.is_some() || !plain {
        return None;
    }
    *slot = Some(value);
    Some(true)
}

fn set_flag(flag: &mut bool) -> Option<()> {
    if *flag {
        return None;
    }
    *flag = true;
    Some(())
}

/// The flag's value, else the variable's; `None` (clap judges) when the
/// variable is set but empty: clap checks a global option's variable even
/// when the option is given after the command's name.
fn from_env(
    flag: Option<OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
    var: &str,
) -> Option<Option<OsString>> {
    let from_env = env(var);
    if from_env.as_ref().is_some_and(|v| v.is_empty()) {
        return None;
    }
    Some(flag.or(from_env))
}

/// `--key-store` or its variable; `None` when either is not a store's name
/// (clap checks both, as for [`from_env`]).
fn key_store(
    flag: Option<OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Option<Option<KeyStoreArg>> {
    let parse = |v: &OsString| match v.to_str() {
        Some("file") => Some(KeyStoreArg::File),
        Some("keyring") => Some(KeyStoreArg::Keyring),
        _ => None,
    };
    let from_env = match env(ENV_KEY_STORE) {
        Some(v) => Some(parse(&v)?),
        None => None,
    };
    match flag {
        Some(v) => Some(Some(parse(&v)?)),
        None => Some(from_env),
    }
}

fn settings_arg(
    flag: Option<OsString>,
    env: &dyn Fn(&str) -> Option<OsString>,
) -> Option<SettingsArg> {
    let settings = from_env(flag, env, ENV_SETTINGS)??;
    Some(SettingsArg {
        settings: PathBuf::from(settings),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use std::collections::BTreeMap;

    const VARS: [&str; 4] = [ENV_CONFIG_DIR, ENV_KEY_STORE, ENV_CA_FILE, ENV_SETTINGS];

    fn words(line: &str) -> Vec<OsString> {
        std::iter::once("oauth-setup")
            .chain(line.split_whitespace())
            .map(OsString::from)
            .collect()
    }

    /// The lines scripts run: each must take the hand path.
    const HOT: &[&str] = &[
        "token --settings f.json",
        "token --settings=f.json --json",
        "token --header --settings cvent",
        "token --force --settings f",
        "--config-dir /c token --settings f",
        "token --settings f --config-dir=/c --key-file /k --key-store keyring --ca-file /ca.pem",
        "--key-store file token --settings vault://secret/x",
        "exec --settings f -- true",
        "exec --settings=f --env TOKEN -- sh -c 'echo $TOKEN'",
        "exec --settings f printenv --json -x",
        "--config-dir /c exec --settings f --key-file /k -- prog --settings other",
        "exec --env _T1 --settings f -- --",
    ];

    /// Lines the hand path must leave to clap (help, mistakes, other
    /// commands, anything unusual); clap's own answer is compared anyway.
    const COLD: &[&str] = &[
        "",
        "--help",
        "-V",
        "help token",
        "token",
        "token -h",
        "token --help",
        "token --settings",
        "token --settings f --json --header",
        "token --settings f --json --json",
        "token --settings f --settings g",
        "token --settings -f",
        "token --settings=",
        "token --settings f extra",
        "token --settings f --json=true",
        "token --settings f --provider x",
        "--provider cvent token --settings f",
        "token --settings f --key-store vault",
        "token --settings f --config-dir /a --config-dir /b",
        "status --settings f",
        "login cvent",
        "exec --settings f",
        "exec --settings f --",
        "exec --settings f --env 1BAD -- true",
        "exec --settings f --env A --env B -- true",
        "exec --settings f -x true",
        "tok --settings f",
    ];

    /// Sets the variables for one case (and unsets the others).
    #[allow(unsafe_code)]
    fn set_env(vars: &BTreeMap<&str, &str>) {
        for var in VARS {
            // SAFETY: the bin's unit tests run no C code that reads the
            // environment (no DNS lookups, no time zones); Rust's own reads
            // are serialised with these writes by std's lock.
            unsafe {
                match vars.get(var) {
                    Some(v) => std::env::set_var(var, v),
                    None => std::env::remove_var(var),
                }
            }
        }
    }

    fn fake_env<'a>(vars: &'a BTreeMap<&str, &str>) -> impl Fn(&str) -> Option<OsString> + 'a {
        |name| vars.get(name).map(OsString::from)
    }

    /// Every case: when the hand path answers, clap gives the same `Cli`.
    /// Returns how many lines took the hand path.
    fn compare(lines: &[&str], vars: &BTreeMap<&str, &str>) -> Vec<String> {
        set_env(vars);
        let mut hot = Vec::new();
        for line in lines {
            let argv = words(line);
            let Some(fast) = parse(&argv, &fake_env(vars)) else {
                continue;
            };
            let slow = Cli::try_parse_from(&argv)
                .unwrap_or_else(|e| panic!("clap refuses `{line}` ({vars:?}): {e}"));
            assert_eq!(
                format!("{fast:?}"),
                format!("{slow:?}"),
                "`{line}` with {vars:?}"
            );
            hot.push((*line).to_string());
        }
        hot
    }

    #[test]
    fn the_hand_path_builds_what_clap_builds() {
        let none = BTreeMap::new();
        // (variables, how many HOT lines take the hand path)
        let envs = [
            (none.clone(), HOT.len()),
            (BTreeMap::from([(ENV_SETTINGS, "from-env.json")]), HOT.len()),
            (
                BTreeMap::from([(ENV_CONFIG_DIR, "/env/config"), (ENV_KEY_STORE, "keyring")]),
                HOT.len(),
            ),
            (
                BTreeMap::from([(ENV_CA_FILE, "/env/ca.pem"), (ENV_KEY_STORE, "file")]),
                HOT.len(),
            ),
            // clap judges what it may refuse, even where a flag overrides it.
            (BTreeMap::from([(ENV_SETTINGS, "")]), 0),
            (BTreeMap::from([(ENV_CONFIG_DIR, "")]), 0),
            (BTreeMap::from([(ENV_KEY_STORE, "KEYRING")]), 0),
        ];
        for (vars, expected) in &envs {
            compare(COLD, vars);
            let hot = compare(HOT, vars);
            assert_eq!(hot.len(), *expected, "{vars:?}: {hot:#?}");
        }
        // With the settings in the environment, `--settings` may be left out.
        let vars = BTreeMap::from([(ENV_SETTINGS, "from-env.json")]);
        let hot = compare(&["token", "token --json", "exec -- true"], &vars);
        assert_eq!(hot.len(), 3, "{hot:?}");
        // Without it, clap says what is missing.
        assert!(compare(&["token", "exec -- true"], &none).is_empty());
        set_env(&none);
    }

    #[test]
    fn cold_lines_are_left_to_clap() {
        let none = BTreeMap::new();
        for line in COLD {
            assert!(parse(&words(line), &fake_env(&none)).is_none(), "{line}");
        }
    }
}
