//! The form for the method's fields, with inline validation.

use crate::provider::Field;
use crate::tui::layout;
use crate::tui::state::{FormKey, FormRow, State, form_label, is_secret};
use crate::tui::widgets::field::{self, FieldView};
use crate::tui::widgets::{Hint, list, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

const LABEL_W: u16 = 22;

fn placeholder(state: &State, key: &FormKey) -> String {
    match key {
        FormKey::Field(Field::ClientSecret) | FormKey::Field(Field::Token) => {
            "paste it here (hidden)".into()
        }
        FormKey::Field(Field::Password) => "type or paste (hidden)".into(),
        FormKey::Field(Field::CallbackUrl) => "empty = a free loopback port".into(),
        FormKey::Field(Field::ServiceRoot) => "https://example.com/odata/".into(),
        FormKey::Field(Field::Issuer) => "https://login.example.com/".into(),
        FormKey::Field(_) => "paste it here".into(),
        FormKey::Var(v) => state
            .profile()
            .and_then(|p| p.vars.get(v))
            .map(|spec| match &spec.example {
                Some(e) => format!("{} (e.g. {e})", spec.description),
                None => spec.description.clone(),
            })
            .unwrap_or_default(),
    }
}

pub fn render(frame: &mut Frame, inner: Rect, state: &State) {
    let theme = &state.theme;
    let rows = state.form_rows();
    frame.render_widget(
        Paragraph::new(Span::styled(
            "Paste the values from the app's page. Enter: next empty field, then on.",
            theme.dim(),
        )),
        layout::band(inner, 0, inner.height.saturating_sub(1)),
    );
    let area = layout::creds_rows(inner);
    let per = layout::FORM_ROW_HEIGHT;
    let visible = (area.height / per) as usize;
    let focus = state.creds.focus.min(rows.len().saturating_sub(1));
    let off = list::offset(rows.len(), focus, visible);
    for (slot, (i, row)) in rows.iter().enumerate().skip(off).take(visible).enumerate() {
        let y = area.y + slot as u16 * per;
        let line = Rect {
            y,
            height: 1,
            ..area
        };
        let msg = Rect {
            y: y + 1,
            height: 1,
            ..area
        };
        let focused = i == focus;
        let marker = if focused { "›" } else { " " };
        match row {
            FormRow::Input { key, required } => {
                let mut label = form_label(key);
                if !required {
                    label.push_str(" (opt)");
                }
                let label_style = if focused {
                    theme.focus()
                } else {
                    ratatui::style::Style::new()
                };
                frame.render_widget(
                    Paragraph::new(Span::styled(
                        format!("{marker} {}", truncate(&label, LABEL_W as usize - 3)),
                        label_style,
                    )),
                    Rect {
                        width: LABEL_W.min(line.width),
                        ..line
                    },
                );
                let value_area = Rect {
                    x: line.x + LABEL_W.min(line.width),
                    width: line.width.saturating_sub(LABEL_W),
                    ..line
                };
                let ph = placeholder(state, key);
                field::render(
                    frame,
                    value_area,
                    FieldView {
                        input: state.creds.inputs.get(key),
                        masked: is_secret(key) && !state.creds.reveal,
                        focused,
                        placeholder: &ph,
                    },
                    theme,
                );
                let text = match state.field_error(key, *required) {
                    Some(e) => Span::styled(format!("✗ {e}"), theme.error()),
                    None if focused && is_secret(key) => Span::styled(
                        if state.creds.reveal {
                            "shown: Ctrl-R hides it"
                        } else {
                            "hidden: Ctrl-R shows it"
                        },
                        theme.dim(),
                    ),
                    None => Span::raw(""),
                };
                frame.render_widget(
                    Paragraph::new(text),
                    Rect {
                        x: msg.x + LABEL_W.min(msg.width),
                        width: msg.width.saturating_sub(LABEL_W),
                        ..msg
                    },
                );
            }
            FormRow::KeepSecret => {
                let what = if state
                    .scheme()
                    .is_some_and(|s| s.fields.contains(&Field::Password))
                {
                    "Keep the password (encrypted) so oauth-setup can sign in again by itself"
                } else {
                    "Keep the client secret (encrypted) so tokens renew without you"
                };
                let style = if focused {
                    theme.focus()
                } else {
                    ratatui::style::Style::new()
                };
                frame.render_widget(
                    Paragraph::new(Span::styled(
                        truncate(
                            &format!(
                                "{marker} [{}] {what}",
                                if state.creds.keep_secret { "x" } else { " " }
                            ),
                            line.width as usize,
                        ),
                        style,
                    )),
                    line,
                );
            }
        }
    }
}

pub fn hints(state: &State) -> Vec<Hint> {
    let mut h = vec![("Tab", "next field"), ("Enter", "next/continue")];
    let has_secret = state.form_rows().iter().any(|r| match r {
        FormRow::Input { key, .. } => is_secret(key),
        FormRow::KeepSecret => false,
    });
    if has_secret {
        h.push(("^R", "show/hide"));
    }
    h.push(("Esc", "back"));
    h
}
