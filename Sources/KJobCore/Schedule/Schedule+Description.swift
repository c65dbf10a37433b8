extension Schedule {
    /// A human description, e.g. "At 09:00, only on Monday" or "Every 15 minutes".
    public var humanDescription: String {
        switch kind {
        case .every(let ms):
            return "Every \(DurationText.format(milliseconds: ms)) (aligned to the Unix epoch)"
        case .once(let stamp):
            return "Once at \(RFC3339.format(stamp.date, offsetSeconds: stamp.offsetSeconds))"
        case .cron(let cron):
            return cron.humanDescription
        }
    }
}

extension CronExpression {
    static let monthNames = [
        "", "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"
    ]
    static let dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let ordinals = ["first", "second", "third", "fourth", "fifth"]

    var humanDescription: String {
        var text = timePhrase + dayPhrase
        let monthValues = Self.values(UInt64(months), 1...12)
        if monthValues.count < 12 {
            text += ", only in " + Self.list(monthValues) { Self.monthNames[$0] }
        }
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    private var timePhrase: String {
        let secondValues = Self.values(seconds, 0...59)
        let minuteValues = Self.values(minutes, 0...59)
        let hourValues = Self.values(UInt64(hours), 0...23)
        if secondValues.count == 1, minuteValues.count == 1, hourValues.count * minuteValues.count <= 4 {
            let s = secondValues[0]
            return "at "
                + Self.list(hourValues) { hour in
                    Self.two(hour) + ":" + Self.two(minuteValues[0]) + (s == 0 ? "" : ":" + Self.two(s))
                }
        }
        var parts: [String] = []
        let secondsPhrase = hasSeconds && secondValues != [0] ? Self.unitPhrase(secondValues, 0...59, "second") : nil
        if let secondsPhrase { parts.append(secondsPhrase) }
        if secondsPhrase == nil || minuteValues.count < 60 {
            parts.append(Self.unitPhrase(minuteValues, 0...59, "minute"))
        }
        if hourValues.count < 24 {
            if let step = Self.step(hourValues, 0...23), step.start == 0 {
                parts.append("every \(step.step) hours")
            } else {
                let hoursText = (hourValues.count == 1 ? "hour " : "hours ") + Self.list(hourValues) { "\($0)" }
                if parts[parts.count - 1].hasPrefix("every") {
                    parts.append("during " + hoursText)
                } else {
                    parts[parts.count - 1] += " past " + hoursText
                }
            }
        } else if !parts.last!.hasPrefix("every") {
            parts[parts.count - 1] += " of every hour"
        }
        return parts.joined(separator: ", ")
    }

    private var dayOfMonthPhrase: String? {
        var items: [String] = []
        let days = Self.values(UInt64(daysOfMonth), 1...31)
        if !days.isEmpty, days.count < 31 {
            if let step = Self.step(days, 1...31), step.step > 1, days.count > 2 {
                items.append("every \(Self.ordinal(step.step)) day from day \(step.start)")
            } else {
                items.append((days.count == 1 ? "day " : "days ") + Self.list(days) { "\($0)" })
            }
        }
        if lastDayOfMonth { items.append("the last day") }
        if lastWeekdayOfMonth { items.append("the last weekday") }
        for day in Self.values(UInt64(nearestWeekdays), 1...31) { items.append("the weekday nearest day \(day)") }
        return items.isEmpty ? nil : items.joined(separator: " and ") + " of the month"
    }

    private var dayOfWeekPhrase: String? {
        var items: [String] = []
        let days = Self.values(UInt64(daysOfWeek), 0...6)
        if !days.isEmpty, days.count < 7 {
            items.append(Self.list(days) { Self.dayNames[$0] })
        }
        for w in 0..<7 {
            for n in 0..<5 where nthDaysOfWeek & (1 << UInt64(w * 5 + n)) != 0 {
                items.append("the \(Self.ordinals[n]) \(Self.dayNames[w]) of the month")
            }
            if lastDaysOfWeek & (1 << UInt8(w)) != 0 {
                items.append("the last \(Self.dayNames[w]) of the month")
            }
        }
        return items.isEmpty ? nil : items.joined(separator: " and ")
    }

    private var dayPhrase: String {
        let dom = dayOfMonthPhrase
        let dow = dayOfWeekPhrase
        switch (dom, dow) {
        case (nil, nil): return ""
        case (let dom?, nil): return " on " + dom
        case (nil, let dow?): return ", only on " + dow
        case (let dom?, let dow?):
            if dayOfMonthStar || dayOfWeekStar { return " on " + dom + ", if it is " + dow }
            return " on " + dom + " or on " + dow
        }
    }

    private static func unitPhrase(_ values: [Int], _ range: ClosedRange<Int>, _ unit: String) -> String {
        if values.count == range.count { return "every \(unit)" }
        if let step = step(values, range) {
            return step.start == range.lowerBound
                ? "every \(step.step) \(unit)s" : "every \(step.step) \(unit)s from \(unit) \(step.start)"
        }
        return (values.count == 1 ? "at \(unit) " : "at \(unit)s ") + list(values) { "\($0)" }
    }

    /// Values in the bitset within `range`.
    static func values(_ bits: UInt64, _ range: ClosedRange<Int>) -> [Int] {
        range.filter { bits & (1 << UInt64($0)) != 0 }
    }

    /// `values` as `start/step` reaching the end of the range, when it is one (at least 3 values).
    static func step(_ values: [Int], _ range: ClosedRange<Int>) -> (start: Int, step: Int)? {
        guard values.count >= 2 else { return nil }
        let step = values[1] - values[0]
        guard step > 1, Array(stride(from: values[0], through: range.upperBound, by: step)) == values else { return nil }
        return (values[0], step)
    }

    /// "a, b and c", runs of three or more as "a through c".
    static func list(_ values: [Int], _ name: (Int) -> String) -> String {
        var pieces: [String] = []
        var i = 0
        while i < values.count {
            var j = i
            while j + 1 < values.count, values[j + 1] == values[j] + 1 { j += 1 }
            if j - i >= 2 {
                pieces.append("\(name(values[i])) through \(name(values[j]))")
                i = j + 1
            } else {
                pieces.append(name(values[i]))
                i += 1
            }
        }
        guard pieces.count > 1 else { return pieces.first ?? "" }
        return pieces.dropLast().joined(separator: ", ") + " and " + pieces.last!
    }

    static func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : ["th", "st", "nd", "rd", "th", "th", "th", "th", "th", "th"][n % 10]
        return "\(n)\(suffix)"
    }
}
