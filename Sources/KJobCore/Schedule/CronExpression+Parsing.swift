extension CronExpression {
    /// One field of the expression: its name in errors, its range and its names.
    struct Field: Sendable {
        let name: String
        let range: ClosedRange<Int>
        let names: [String]
        /// For error messages: what a value may look like.
        let hint: String

        static let second = Field(name: "second", range: 0...59, names: [], hint: "use 0-59")
        static let minute = Field(name: "minute", range: 0...59, names: [], hint: "use 0-59")
        static let hour = Field(name: "hour", range: 0...23, names: [], hint: "use 0-23")
        static let dayOfMonth = Field(
            name: "day-of-month", range: 1...31, names: [],
            hint: "use 1-31, L, LW or nW (e.g. 15W)")
        static let month = Field(
            name: "month", range: 1...12,
            names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
            hint: "use 1-12 or JAN-DEC")
        static let dayOfWeek = Field(
            name: "day-of-week", range: 0...7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
            hint: "use 0-7 (0 and 7 are Sunday) or SUN-SAT, optionally d#n (n = 1-5) or dL")

        /// Month names map to 1...12, day names to 0...6.
        var nameBase: Int { name == "month" ? 1 : 0 }
    }

    /// Parses the 5 or 6 whitespace-separated fields of a cron expression.
    init(fields texts: [String], input: String) throws(ScheduleError) {
        guard texts.count == 5 || texts.count == 6 else {
            throw ScheduleError(
                input: input, field: nil,
                message: "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), "
                    + "got \(texts.count); or use @hourly, @daily, @weekly, @monthly, @yearly, @every <duration>, @once <time>")
        }
        self.init()
        fields = texts
        hasSeconds = texts.count == 6
        let offset = hasSeconds ? 1 : 0
        if hasSeconds {
            seconds = try Self.parseSimple(texts[0], .second, input: input)
        }
        minutes = try Self.parseSimple(texts[offset], .minute, input: input)
        hours = UInt32(truncatingIfNeeded: try Self.parseSimple(texts[offset + 1], .hour, input: input))
        hourStar = texts[offset + 1].hasPrefix("*")
        try parseDayOfMonth(texts[offset + 2], input: input)
        months = UInt16(truncatingIfNeeded: try Self.parseSimple(texts[offset + 3], .month, input: input))
        try parseDayOfWeek(texts[offset + 4], input: input)
        guard isSatisfiable else {
            throw ScheduleError(
                input: input, field: dayOfMonthStar ? "day-of-week" : "day-of-month",
                message: "no month in the month field has such a day (e.g. 30 February), so this schedule never fires; "
                    + "pick days that exist in the chosen months")
        }
    }

    /// Fields without specials: second, minute, hour, month. Returns the bitset.
    static func parseSimple(_ text: String, _ field: Field, input: String) throws(ScheduleError) -> UInt64 {
        var bits: UInt64 = 0
        for element in try elements(text, field, input: input) {
            bits |= try parseRange(element, field, input: input)
        }
        return bits
    }

    static func elements(_ text: String, _ field: Field, input: String) throws(ScheduleError) -> [Substring] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        for part in parts where part.isEmpty {
            throw ScheduleError(input: input, field: field.name, message: "empty list element in \"\(text)\"; separate values with single commas")
        }
        return parts
    }

    /// `*`, `n`, `a-b`, each optionally `/step`, or `a/step`. Day-of-week 7 folds into 0.
    static func parseRange(_ element: Substring, _ field: Field, input: String) throws(ScheduleError) -> UInt64 {
        var body = element
        var step = 1
        var hasStep = false
        if let slash = element.firstIndex(of: "/") {
            body = element[..<slash]
            let stepText = element[element.index(after: slash)...]
            guard let value = Int(stepText), stepText.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw ScheduleError(input: input, field: field.name, message: "step \"\(stepText)\" in \"\(element)\" is not a number; write e.g. */15")
            }
            let span = field.range.upperBound - field.range.lowerBound + 1
            guard value >= 1, value <= span else {
                throw ScheduleError(input: input, field: field.name, message: "step \(value) in \"\(element)\" must be between 1 and \(span)")
            }
            step = value
            hasStep = true
        }
        var low: Int
        var high: Int
        if body == "*" || body == "?" {
            if body == "?" && (field.name != "day-of-month" && field.name != "day-of-week" || hasStep) {
                throw ScheduleError(input: input, field: field.name, message: "\"?\" is allowed only alone in day-of-month or day-of-week; use * here")
            }
            low = field.range.lowerBound
            high = field.name == "day-of-week" ? 6 : field.range.upperBound
        } else if let dash = body.firstIndex(of: "-"), dash != body.startIndex {
            low = try value(body[..<dash], field, element: element, input: input)
            high = try value(body[body.index(after: dash)...], field, element: element, input: input)
            guard low <= high else {
                throw ScheduleError(
                    input: input, field: field.name,
                    message: "range \"\(body)\" runs backwards; ranges do not wrap around, write \(body[body.index(after: dash)...])-\(body[..<dash]) or a list"
                )
            }
        } else {
            low = try value(body, field, element: element, input: input)
            high = hasStep ? (field.name == "day-of-week" ? 6 : field.range.upperBound) : low
            if hasStep && field.name == "day-of-week" && low == 7 { high = 7 }
        }
        var bits: UInt64 = 0
        var v = low
        while v <= high {
            bits |= 1 << UInt64(field.name == "day-of-week" && v == 7 ? 0 : v)
            v += step
        }
        return bits
    }

    /// A number or a name, checked against the field's range.
    static func value(_ text: Substring, _ field: Field, element: Substring, input: String) throws(ScheduleError) -> Int {
        if let number = Int(text), text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard field.range.contains(number) else {
                throw ScheduleError(input: input, field: field.name, message: "value \(number) is out of range; \(field.hint)")
            }
            return number
        }
        if let index = field.names.firstIndex(of: text.uppercased()) {
            return index + field.nameBase
        }
        throw ScheduleError(input: input, field: field.name, message: "\"\(text.isEmpty ? element : text)\" is not a valid value; \(field.hint)")
    }

    mutating func parseDayOfMonth(_ text: String, input: String) throws(ScheduleError) {
        let field = Field.dayOfMonth
        dayOfMonthStar = text.hasPrefix("*") || text.hasPrefix("?")
        if text.contains("?") && text != "?" {
            throw ScheduleError(input: input, field: field.name, message: "\"?\" must stand alone in its field; write ? or a list without it")
        }
        for element in try Self.elements(text, field, input: input) {
            let upper = element.uppercased()
            if upper == "L" {
                lastDayOfMonth = true
            } else if upper == "LW" {
                lastWeekdayOfMonth = true
            } else if upper.hasSuffix("W"), upper.count > 1 {
                let day = try Self.value(element.dropLast(), field, element: element, input: input)
                nearestWeekdays |= 1 << UInt32(day)
            } else {
                daysOfMonth |= UInt32(truncatingIfNeeded: try Self.parseRange(element, field, input: input))
            }
        }
    }

    mutating func parseDayOfWeek(_ text: String, input: String) throws(ScheduleError) {
        let field = Field.dayOfWeek
        dayOfWeekStar = text.hasPrefix("*") || text.hasPrefix("?")
        if text.contains("?") && text != "?" {
            throw ScheduleError(input: input, field: field.name, message: "\"?\" must stand alone in its field; write ? or a list without it")
        }
        for element in try Self.elements(text, field, input: input) {
            if let hash = element.firstIndex(of: "#") {
                let day = try Self.value(element[..<hash], field, element: element, input: input) % 7
                let nthText = element[element.index(after: hash)...]
                guard let nth = Int(nthText), (1...5).contains(nth), nthText.allSatisfy(\.isNumber) else {
                    throw ScheduleError(input: input, field: field.name, message: "\"\(element)\": the n in d#n must be 1-5 (e.g. FRI#2, the second Friday)")
                }
                nthDaysOfWeek |= 1 << UInt64(day * 5 + nth - 1)
            } else if element.count > 1, element.last == "L" || element.last == "l" {
                let day = try Self.value(element.dropLast(), field, element: element, input: input) % 7
                lastDaysOfWeek |= 1 << UInt8(day)
            } else {
                daysOfWeek |= UInt8(truncatingIfNeeded: try Self.parseRange(element, field, input: input))
            }
        }
    }
}
