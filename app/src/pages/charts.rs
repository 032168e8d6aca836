//! The History page's charts, drawn with cairo only: the data preparation is pure and
//! unit-tested, the drawing takes a cairo context and a size.

use gtk::cairo;
use sonora_proto::Outcome;

/// One check-in on the chart: days before now, the three readings (0..1) and the confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub days_ago: f64,
    pub stress: f64,
    pub fatigue: f64,
    pub energy: f64,
    pub confidence: f64,
}

/// Sessions of one outcome that had a check-in, and their ratings.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeBar {
    pub outcome: Outcome,
    pub sessions: u32,
    pub rated: u32,
    pub mean_rating: Option<f64>,
}

/// Reads `history` rows (the daemon's JSON) into chart points and per-outcome bars.
pub fn prepare(rows: &[serde_json::Value], now: f64) -> (Vec<Point>, Vec<OutcomeBar>) {
    let mut points = Vec::new();
    let mut bars: Vec<OutcomeBar> = Outcome::ALL
        .iter()
        .map(|&outcome| OutcomeBar { outcome, sessions: 0, rated: 0, mean_rating: None })
        .collect();
    let mut sums = [0.0f64; 3];
    for r in rows {
        let at = r["at"].as_str().and_then(parse_rfc3339);
        let m = &r["markers"];
        if let (Some(at), Some(stress), Some(fatigue), Some(energy)) =
            (at, m["stress"].as_f64(), m["fatigue"].as_f64(), m["energy"].as_f64())
        {
            let confidence = r["confidence"].as_f64().unwrap_or(0.0).clamp(0.0, 1.0);
            points.push(Point {
                days_ago: ((now - at) / 86_400.0).max(0.0),
                stress,
                fatigue,
                energy,
                confidence,
            });
        }
        let s = &r["session"];
        if let Some(o) = s["outcome"].as_str().and_then(|o| o.parse::<Outcome>().ok()) {
            let i = Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0);
            bars[i].sessions += 1;
            if let Some(rating) = s["rating"].as_f64() {
                bars[i].rated += 1;
                sums[i] += rating;
            }
        }
    }
    for (bar, sum) in bars.iter_mut().zip(sums) {
        bar.mean_rating = (bar.rated > 0).then(|| sum / f64::from(bar.rated));
    }
    points.sort_by(|a, b| b.days_ago.total_cmp(&a.days_ago));
    (points, bars)
}

/// Seconds since 1970 of an RFC 3339 UTC time ("2026-12-06T08:00:00Z" or with an offset).
pub fn parse_rfc3339(s: &str) -> Option<f64> {
    let dt = gtk::glib::DateTime::from_iso8601(s, None).ok()?;
    Some(dt.to_unix() as f64 + f64::from(dt.microsecond()) / 1e6)
}

/// Colours of the three readings (stress, fatigue, energy), readable on light and dark.
pub const SERIES: [(&str, (f64, f64, f64)); 3] =
    [("stress", (0.89, 0.35, 0.25)), ("fatigue", (0.45, 0.45, 0.85)), ("energy", (0.25, 0.65, 0.35))];

/// Stress, fatigue and energy over `span_days`, newest at the right. Each reading is a line with
/// a band around it whose width shows how unsure it is (low confidence, wide band).
pub fn draw_markers(
    cr: &cairo::Context,
    w: f64,
    h: f64,
    points: &[Point],
    span_days: f64,
    fg: (f64, f64, f64),
) {
    let (left, right, top, bottom) = (36.0, w - 12.0, 12.0, h - 28.0);
    axes(cr, left, right, top, bottom, fg);
    let x = |days_ago: f64| right - (days_ago / span_days.max(1.0)).min(1.0) * (right - left);
    let y = |v: f64| bottom - v.clamp(0.0, 1.0) * (bottom - top);
    cr.set_source_rgb(fg.0, fg.1, fg.2);
    cr.set_font_size(11.0);
    label(cr, 4.0, y(1.0) + 4.0, "high");
    label(cr, 4.0, y(0.0), "low");
    label(cr, left, h - 8.0, &format!("{} days ago", span_days.round()));
    label(cr, right - 24.0, h - 8.0, "now");
    if points.is_empty() {
        label(cr, left + 12.0, (top + bottom) / 2.0, "No check-ins in this range yet.");
        return;
    }
    for (i, (name, (r, g, b))) in SERIES.iter().enumerate() {
        let value = |p: &Point| [p.stress, p.fatigue, p.energy][i];
        // The band: ±(1 - confidence) × 0.25 around each reading.
        let half = |p: &Point| (1.0 - p.confidence) * 0.25;
        cr.set_source_rgba(*r, *g, *b, 0.18);
        for (k, p) in points.iter().enumerate() {
            let (px, py) = (x(p.days_ago), y(value(p) + half(p)));
            if k == 0 { cr.move_to(px, py) } else { cr.line_to(px, py) }
        }
        for p in points.iter().rev() {
            cr.line_to(x(p.days_ago), y(value(p) - half(p)));
        }
        cr.close_path();
        let _ = cr.fill();
        cr.set_source_rgb(*r, *g, *b);
        cr.set_line_width(2.0);
        for (k, p) in points.iter().enumerate() {
            let (px, py) = (x(p.days_ago), y(value(p)));
            if k == 0 { cr.move_to(px, py) } else { cr.line_to(px, py) }
        }
        let _ = cr.stroke();
        for p in points {
            // Surer readings are drawn more solid.
            cr.set_source_rgba(*r, *g, *b, 0.35 + 0.65 * p.confidence);
            cr.arc(x(p.days_ago), y(value(p)), 3.5, 0.0, std::f64::consts::TAU);
            let _ = cr.fill();
        }
        cr.set_source_rgb(*r, *g, *b);
        label(cr, left + 12.0 + 80.0 * i as f64, top + 10.0, name);
    }
}

/// Sessions per outcome (bars) with their average rating written on top.
pub fn draw_sessions(cr: &cairo::Context, w: f64, h: f64, bars: &[OutcomeBar], fg: (f64, f64, f64)) {
    let (left, right, top, bottom) = (36.0, w - 12.0, 12.0, h - 28.0);
    axes(cr, left, right, top, bottom, fg);
    let most = bars.iter().map(|b| b.sessions).max().unwrap_or(0).max(1);
    let slot = (right - left) / bars.len().max(1) as f64;
    cr.set_font_size(11.0);
    for (i, bar) in bars.iter().enumerate() {
        let x0 = left + slot * i as f64 + slot * 0.2;
        let height = f64::from(bar.sessions) / f64::from(most) * (bottom - top - 18.0);
        cr.set_source_rgba(0.35, 0.55, 0.85, 0.85);
        cr.rectangle(x0, bottom - height, slot * 0.6, height);
        let _ = cr.fill();
        cr.set_source_rgb(fg.0, fg.1, fg.2);
        label(cr, x0, h - 8.0, &format!("{} ({})", bar.outcome, bar.sessions));
        let rating = match bar.mean_rating {
            Some(m) => format!("rated {m:.1}/5"),
            None if bar.sessions > 0 => "not rated".into(),
            None => String::new(),
        };
        label(cr, x0, bottom - height - 4.0, &rating);
    }
}

fn axes(cr: &cairo::Context, left: f64, right: f64, top: f64, bottom: f64, fg: (f64, f64, f64)) {
    cr.set_source_rgba(fg.0, fg.1, fg.2, 0.4);
    cr.set_line_width(1.0);
    cr.move_to(left, top);
    cr.line_to(left, bottom);
    cr.line_to(right, bottom);
    let _ = cr.stroke();
}

fn label(cr: &cairo::Context, x: f64, y: f64, text: &str) {
    cr.move_to(x, y);
    let _ = cr.show_text(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_become_points_and_bars() {
        let now = parse_rfc3339("2026-12-06T12:00:00Z").unwrap();
        let rows = vec![
            json!({"at": "2026-12-05T12:00:00Z", "markers": {"stress": 0.6, "fatigue": 0.3, "energy": 0.5},
                   "confidence": 0.4, "session": {"outcome": "calm", "rating": 4}}),
            json!({"at": "2026-12-03T12:00:00Z", "markers": null, "confidence": 0.0,
                   "session": {"outcome": "calm", "rating": null}}),
            json!({"at": "2026-12-06T00:00:00Z", "markers": {"stress": 0.2, "fatigue": 0.1, "energy": 0.9},
                   "confidence": 0.9, "session": {"outcome": "sleep", "rating": 2}}),
        ];
        let (points, bars) = prepare(&rows, now);
        assert_eq!(points.len(), 2, "a check-in without a reading draws no point");
        assert!((points[0].days_ago - 1.0).abs() < 1e-9, "oldest first");
        assert!((points[1].days_ago - 0.5).abs() < 1e-9);
        assert_eq!(
            bars[0],
            OutcomeBar { outcome: Outcome::Calm, sessions: 2, rated: 1, mean_rating: Some(4.0) }
        );
        assert_eq!(bars[1].sessions, 0);
        assert_eq!(bars[2].mean_rating, Some(2.0));
    }

    #[test]
    fn charts_draw_on_an_image() {
        let surface = cairo::ImageSurface::create(cairo::Format::ARgb32, 400, 200).unwrap();
        let cr = cairo::Context::new(&surface).unwrap();
        let p = Point { days_ago: 2.0, stress: 0.5, fatigue: 0.5, energy: 0.5, confidence: 0.5 };
        draw_markers(&cr, 400.0, 200.0, &[p.clone(), Point { days_ago: 1.0, ..p }], 7.0, (0.0, 0.0, 0.0));
        draw_sessions(&cr, 400.0, 200.0, &prepare(&[], 0.0).1, (0.0, 0.0, 0.0));
        drop(cr);
        let data = surface.take_data().unwrap();
        assert!(data.chunks(4).any(|px| px[3] != 0), "something was drawn");
    }
}
