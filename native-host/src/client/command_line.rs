//! Splitting a command line the way a POSIX shell splits words, without running a shell.

/// The words of `line`: split on unquoted whitespace; `'…'` keeps everything literally,
/// `"…"` keeps whitespace and honours `\"` and `\\`, and a backslash outside quotes
/// escapes the next character (and stays when it ends the line).
///
/// # Errors
/// A message when a quote is not closed.
///
/// ```
/// use edgemcp_native::client::split_command_line;
///
/// let words = split_command_line(r#"edgemcp stdio --data-dir "/tmp/my data" --kv-prefix 'a b'"#).unwrap();
/// assert_eq!(words, ["edgemcp", "stdio", "--data-dir", "/tmp/my data", "--kv-prefix", "a b"]);
/// ```
pub fn split_command_line(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\'' => {
                let text = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => text.push(c),
                        None => return Err("a single quote (') is not closed".to_owned()),
                    }
                }
            }
            '"' => {
                let text = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => text.push(c),
                            Some(c) => {
                                text.push('\\');
                                text.push(c);
                            }
                            None => return Err("a double quote (\") is not closed".to_owned()),
                        },
                        Some(c) => text.push(c),
                        None => return Err("a double quote (\") is not closed".to_owned()),
                    }
                }
            }
            '\\' => {
                // A backslash at the very end stays, as sh keeps it.
                let text = word.get_or_insert_with(String::new);
                text.push(chars.next().unwrap_or('\\'));
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_quotes_and_escapes() {
        assert_eq!(split_command_line("  a  b\tc ").unwrap(), ["a", "b", "c"]);
        assert_eq!(split_command_line("a'b c'd").unwrap(), ["ab cd"]);
        assert_eq!(
            split_command_line(r#""a \"q\" \n""#).unwrap(),
            [r#"a "q" \n"#]
        );
        assert_eq!(split_command_line(r"a\ b").unwrap(), ["a b"]);
        assert_eq!(split_command_line("''").unwrap(), [""]);
        assert!(split_command_line("'open").is_err());
        assert!(split_command_line("\"open").is_err());
        assert!(split_command_line("").unwrap().is_empty());
    }

    // The shell itself is the reference: on lines made of letters, blanks, quotes and
    // backslashes, sh splits into the same words (or refuses the same unclosed quotes).
    proptest::proptest! {
        #[test]
        fn splits_as_sh_does(line in "[ab \t'\"\\\\]{0,16}") {
            let shell = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf '%s\\0' {line}"))
                .stderr(std::process::Stdio::null())
                .output()
                .expect("sh runs");
            let ours = split_command_line(&line);
            if shell.status.success() {
                let words: Vec<String> = String::from_utf8_lossy(&shell.stdout)
                    .split_terminator('\0')
                    .map(str::to_owned)
                    .collect();
                // With no words, printf still prints its format once: one empty word.
                let ours = ours.expect("sh accepted the line");
                if ours.is_empty() {
                    proptest::prop_assert_eq!(words, vec![String::new()]);
                } else {
                    proptest::prop_assert_eq!(ours, words, "{:?}", line);
                }
            } else {
                proptest::prop_assert!(ours.is_err(), "sh refused {:?}, we split it into {:?}", line, ours);
            }
        }
    }
}
