//! The check-in notice: without Sonora's window, the tray tells the person what to read (and for
//! how long) in a desktop notification as the daemon starts listening.

use std::collections::HashMap;

pub const SUMMARY: &str = "Check-in: read this aloud";

/// The notification's text: the shared check-in sentence and how long Sonora listens.
pub fn body(seconds: f64) -> String {
    format!(
        "“{}”\nAt your usual pace; Sonora listens for {} seconds.",
        sonora_proto::about::CHECKIN_PASSAGE,
        seconds.ceil().max(1.0) as u64
    )
}

/// Posts the notice through `org.freedesktop.Notifications` on the session bus.
pub async fn post(conn: &zbus::Connection, seconds: f64) -> zbus::Result<()> {
    let hints: HashMap<&str, zbus::zvariant::Value<'_>> = HashMap::new();
    let timeout_ms = (seconds * 1000.0) as i32 + 2000;
    conn.call_method(
        Some("org.freedesktop.Notifications"),
        "/org/freedesktop/Notifications",
        Some("org.freedesktop.Notifications"),
        "Notify",
        &(
            "Sonora",
            0u32,
            "audio-input-microphone",
            SUMMARY,
            body(seconds),
            Vec::<&str>::new(),
            hints,
            timeout_ms,
        ),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_what_to_read_and_for_how_long() {
        let b = body(5.9);
        assert!(b.contains(sonora_proto::about::CHECKIN_PASSAGE));
        assert!(b.contains("listens for 6 seconds"), "{b}");
    }
}
