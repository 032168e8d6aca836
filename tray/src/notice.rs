//! The check-in notice: without Sonora's window, the tray tells the person what to read (and for
//! how long) in a desktop notification as the daemon starts listening.

use std::collections::HashMap;

use sonora_proto::about::{CHECKIN_NOTICE_SUMMARY, checkin_notice_body};

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
            CHECKIN_NOTICE_SUMMARY,
            checkin_notice_body(seconds),
            Vec::<&str>::new(),
            hints,
            timeout_ms,
        ),
    )
    .await?;
    Ok(())
}
