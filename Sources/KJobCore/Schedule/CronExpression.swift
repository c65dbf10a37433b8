/// A parsed cron expression: one bitset per field plus the day specials (`L`, `W`, `#`, `dowL`).
///
/// Matching works on civil ("wall clock") seconds; `Schedule+NextFire` maps them to instants
/// with the zone's offsets and applies the DST rule.
struct CronExpression: Hashable, Sendable {
    /// Bits 0-59.
    var seconds: UInt64 = 1
    /// Bits 0-59.
    var minutes: UInt64 = 0
    /// Bits 0-23.
    var hours: UInt32 = 0
    /// Bits 1-31.
    var daysOfMonth: UInt32 = 0
    /// `L`: the last day of the month.
    var lastDayOfMonth = false
    /// `LW`: the last weekday (Monday-Friday) of the month.
    var lastWeekdayOfMonth = false
    /// `nW`: bit n set for the weekday nearest day n (bits 1-31).
    var nearestWeekdays: UInt32 = 0
    /// Bits 1-12.
    var months: UInt16 = 0
    /// Bits 0-6, 0 = Sunday.
    var daysOfWeek: UInt8 = 0
    /// `dow#n`: bit `dow * 5 + (n - 1)`.
    var nthDaysOfWeek: UInt64 = 0
    /// `dowL`: bit dow set for the last such weekday of the month.
    var lastDaysOfWeek: UInt8 = 0
    /// The day-of-month field starts with `*` or `?` (Vixie: then the day fields are ANDed).
    var dayOfMonthStar = true
    /// The day-of-week field starts with `*` or `?`.
    var dayOfWeekStar = true
    /// The hour field starts with `*` (`*`, `*/n`): fires on the real clock through DST changes.
    var hourStar = true
    /// Written with a seconds field.
    var hasSeconds = false
    /// The fields as written (seconds first when present), for the description.
    var fields: [String] = []

    /// Days (bits 1-31) of the given month on which the expression fires.
    @inline(__always)
    func dayMask(year: Int, month: Int) -> UInt64 {
        let length = CivilCalendar.daysInMonth(year: year, month: month)
        let firstWeekday = CivilCalendar.weekday(dayNumber: CivilCalendar.dayNumber(year: year, month: month, day: 1))
        return dayMask(length: length, firstWeekday: firstWeekday)
    }

    /// Days of a month with `length` days whose first day falls on `firstWeekday`.
    func dayMask(length: Int, firstWeekday: Int) -> UInt64 {
        let valid: UInt64 = ((1 << UInt64(length + 1)) - 1) & ~1
        var dom = UInt64(daysOfMonth)
        if lastDayOfMonth { dom |= 1 << UInt64(length) }
        if lastWeekdayOfMonth || nearestWeekdays != 0 {
            dom |= specialWeekdayDays(length: length, firstWeekday: firstWeekday)
        }
        var dow: UInt64 = 0
        if daysOfWeek != 0 {
            // Rotate the weekday set so bit k means "day k+1 matches", then repeat every 7 days.
            let set = UInt64(daysOfWeek)
            let shift = UInt64(firstWeekday)
            let rotated = ((set >> shift) | (set << (7 - shift))) & 0x7F
            dow = (rotated | rotated << 7 | rotated << 14 | rotated << 21 | rotated << 28) << 1
        }
        if nthDaysOfWeek != 0 || lastDaysOfWeek != 0 {
            dow |= nthDays(length: length, firstWeekday: firstWeekday)
        }
        dom &= valid
        dow &= valid
        return (dayOfMonthStar || dayOfWeekStar) ? dom & dow : dom | dow
    }

    private func specialWeekdayDays(length: Int, firstWeekday: Int) -> UInt64 {
        var mask: UInt64 = 0
        func weekday(_ day: Int) -> Int { (firstWeekday + day - 1) % 7 }
        if lastWeekdayOfMonth {
            let last =
                switch weekday(length) {
                case 6: length - 1
                case 0: length - 2
                default: length
                }
            mask |= 1 << UInt64(last)
        }
        var bits = nearestWeekdays
        while bits != 0 {
            let n = bits.trailingZeroBitCount
            bits &= bits - 1
            guard n <= length else { continue }
            let day: Int =
                switch weekday(n) {
                case 6: n > 1 ? n - 1 : n + 2
                case 0: n < length ? n + 1 : n - 2
                default: n
                }
            mask |= 1 << UInt64(day)
        }
        return mask
    }

    private func nthDays(length: Int, firstWeekday: Int) -> UInt64 {
        var mask: UInt64 = 0
        for w in 0..<7 {
            let first = (w - firstWeekday + 7) % 7 + 1
            let nth = (nthDaysOfWeek >> UInt64(w * 5)) & 0x1F
            if nth != 0 {
                for n in 0..<5 where nth & (1 << UInt64(n)) != 0 {
                    let day = first + 7 * n
                    if day <= length { mask |= 1 << UInt64(day) }
                }
            }
            if lastDaysOfWeek & (1 << UInt8(w)) != 0 {
                mask |= 1 << UInt64(first + 7 * ((length - first) / 7))
            }
        }
        return mask
    }

    /// Whether some month ever has a matching day. The Gregorian calendar repeats every 400 years
    /// and every month length occurs with every first weekday, so this finite check is exact.
    var isSatisfiable: Bool {
        for month in 1...12 where months & (1 << UInt16(month)) != 0 {
            let lengths = month == 2 ? [28, 29] : [CivilCalendar.daysInMonth(year: 2001, month: month)]
            for length in lengths {
                for firstWeekday in 0..<7 where dayMask(length: length, firstWeekday: firstWeekday) != 0 {
                    return true
                }
            }
        }
        return false
    }

    /// The first civil time (seconds since 1970-01-01T00:00:00 wall clock) at or after `wall`
    /// that matches, jumping field by field. Nil only past the search horizon (year 9999).
    func nextMatch(atOrAfter wall: Int64) -> Int64? {
        let dayNumber = CivilCalendar.floorDiv(wall, CivilCalendar.secondsPerDay)
        let secondOfDay = Int(wall - dayNumber * CivilCalendar.secondsPerDay)
        var (year, month, day) = CivilCalendar.civil(dayNumber: Int(dayNumber))
        var hour = secondOfDay / 3600
        var minute = secondOfDay / 60 % 60
        var second = secondOfDay % 60
        var maskYear = Int.min
        var maskMonth = 0
        var mask: UInt64 = 0
        while year <= 9999 {
            if months & (1 << UInt16(month)) == 0 {
                let later = months & ~((1 << UInt16(month + 1)) - 1)
                if later != 0 {
                    month = later.trailingZeroBitCount
                } else {
                    year += 1
                    month = months.trailingZeroBitCount
                }
                day = 1
                hour = 0
                minute = 0
                second = 0
            }
            if maskYear != year || maskMonth != month {
                mask = dayMask(year: year, month: month)
                maskYear = year
                maskMonth = month
            }
            let days = mask & (~0 << UInt64(day))
            if days == 0 {
                month += 1
                if month > 12 {
                    month = 1
                    year += 1
                }
                day = 1
                hour = 0
                minute = 0
                second = 0
                continue
            }
            let nextDay = days.trailingZeroBitCount
            if nextDay != day {
                day = nextDay
                hour = 0
                minute = 0
                second = 0
            }
            let hoursLeft = UInt64(hours) & (~0 << UInt64(hour))
            if hoursLeft == 0 {
                day += 1
                hour = 0
                minute = 0
                second = 0
                continue
            }
            let nextHour = hoursLeft.trailingZeroBitCount
            if nextHour != hour {
                hour = nextHour
                minute = 0
                second = 0
            }
            let minutesLeft = minute < 64 ? minutes & (~0 << UInt64(minute)) : 0
            if minutesLeft == 0 {
                hour += 1
                minute = 0
                second = 0
                continue
            }
            let nextMinute = minutesLeft.trailingZeroBitCount
            if nextMinute != minute {
                minute = nextMinute
                second = 0
            }
            let secondsLeft = second < 64 ? seconds & (~0 << UInt64(second)) : 0
            if secondsLeft == 0 {
                minute += 1
                second = 0
                continue
            }
            second = secondsLeft.trailingZeroBitCount
            let dn = Int64(CivilCalendar.dayNumber(year: year, month: month, day: day))
            return dn * CivilCalendar.secondsPerDay + Int64(hour * 3600 + minute * 60 + second)
        }
        return nil
    }
}
