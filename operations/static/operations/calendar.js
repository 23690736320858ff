/* The admin calendar (/admin/calendar/): EventCalendar over the JSON from operations/views_calendar.py.
 *
 * Every time is the brand's wall clock. The server sends times without an offset, which
 * EventCalendar keeps "floating": shown as they are, whatever the browser's zone. Its
 * callbacks hand out Dates whose *local* fields hold that wall clock, so this file reads
 * them with local getters for display only. What goes back to the server is computed from
 * the wall-clock strings the server sent plus the drag's duration, never from a browser
 * Date, so a browser in another zone (or in its own daylight-saving night) cannot shift a
 * move. The server reads it in the brand's zone again.
 *
 * The calendar's own timeZone is the brand's offset now (from the server): it only decides
 * what "today" and the now line are.
 */
(function () {
  'use strict';

  var configNode = document.getElementById('calendar-config');
  var root = document.getElementById('calendar');
  if (!configNode || !root || !window.EventCalendar) {
    return;
  }
  var config = JSON.parse(configNode.textContent);
  var messages = document.getElementById('calendar-messages');
  var filters = document.getElementById('calendar-filters');
  var viewNames = {};
  Object.keys(config.views).forEach(function (key) { viewNames[config.views[key]] = key; });

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  // For display: the wall clock held in a Date the calendar handed out (its local fields).
  function localDay(d) {
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate());
  }

  function hhmm(d) { return pad(d.getHours()) + ':' + pad(d.getMinutes()); }

  // For the server: a wall-clock string moved by a Duration ({years, months, days, seconds}),
  // reckoned in UTC arithmetic so no zone's daylight saving takes part.
  function shift(wall, delta) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(wall);
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
    d.setUTCFullYear(d.getUTCFullYear() + (delta.years || 0), d.getUTCMonth() + (delta.months || 0));
    d.setUTCDate(d.getUTCDate() + (delta.days || 0));
    d = new Date(d.getTime() + (delta.seconds || 0) * 1000);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + 'T' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
  }

  // Messages in the admin's own list (info / success / error), read out by screen readers.
  // Errors stay until dismissed or the next move; the rest fade after a while.
  var hideTimer = null;

  function say(texts, level) {
    window.clearTimeout(hideTimer);
    messages.textContent = '';
    [].concat(texts).forEach(function (text, i) {
      var li = document.createElement('li');
      li.className = level;
      li.textContent = text;
      if (i === 0) {
        var close = document.createElement('button');
        close.type = 'button';
        close.className = 'co-dismiss';
        close.setAttribute('aria-label', 'Dismiss');
        close.textContent = '×';
        close.addEventListener('click', function () { messages.hidden = true; });
        li.appendChild(close);
      }
      messages.appendChild(li);
    });
    messages.hidden = false;
    if (level === 'success') {
      hideTimer = window.setTimeout(function () { messages.hidden = true; }, 8000);
    }
  }

  // The charter a refused move snapped back to, outlined for a few seconds.
  function flag(bookingId) {
    window.setTimeout(function () {
      var el = root.querySelector('.ec-event[data-booking="' + bookingId + '"]');
      if (el) {
        el.classList.add('co-refused');
        window.setTimeout(function () { el.classList.remove('co-refused'); }, 4000);
      }
    }, 50);
  }

  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) { n.className = className; }
    if (text !== undefined) { n.textContent = text; }
    return n;
  }

  function crewText(p) {
    return p.crewInvited ? 'crew ' + p.crewAccepted + '/' + p.crewInvited : 'no crew';
  }

  function checklistText(p) {
    return p.checklistTotal ? '✓ ' + p.checklistDone + '/' + p.checklistTotal : 'no checklist';
  }

  function tooltip(event) {
    var p = event.extendedProps;
    if (p.kind === 'charter') {
      return [
        p.boat + ' · ' + p.guest + ', party of ' + p.party,
        p.when,
        p.statusLabel,
        p.crewInvited ? 'Crew accepted: ' + p.crewAccepted + ' of ' + p.crewInvited : 'No crew yet',
        p.checklistTotal ? 'Checklist: ' + p.checklistDone + ' of ' + p.checklistTotal + ' done' : 'No checklist',
        p.override ? 'Saved over a clash' : '',
      ].filter(Boolean).join('\n');
    }
    if (p.kind === 'time_off') {
      return p.person + ' is away: ' + p.when;
    }
    return p.kindLabel + (p.wholeBrand ? ' (every boat)' : '') + ': ' + p.label + '\n' + p.when;
  }

  function eventContent(info) {
    var event = info.event;
    var p = event.extendedProps;
    if (event.display === 'background') {
      return '';
    }
    // One line where events are bars (month, the all-day row); a small card in the time grids.
    var compact = info.view.type === 'dayGridMonth' || event.allDay;
    // In the lane views the lane names the boat.
    var lanes = info.view.type.indexOf('resource') === 0;
    var nodes = [];
    if (p.kind === 'charter') {
      var who = p.guest + ' (' + p.party + ')';
      if (compact) {
        var first = hhmm(event.start) + (lanes ? '' : ' ' + p.boat);
        nodes.push(node('span', 'co-line', [first, who, crewText(p), checklistText(p)].join(' · ')));
      } else {
        // A week of lanes is narrow: the start says enough there (the block's length shows the end).
        var narrow = info.view.type === config.views.week;
        var times = narrow ? hhmm(event.start) : hhmm(event.start) + '–' + hhmm(event.end);
        nodes.push(node('span', 'co-time', times + (p.override ? ' ⚠' : '')));
        if (!lanes) {
          nodes.push(node('strong', 'co-boat', p.boat));
        }
        nodes.push(node('strong', 'co-who', who));
        nodes.push(node('span', 'co-counts', crewText(p)));
        nodes.push(node('span', 'co-counts', checklistText(p)));
      }
      if (p.status !== 'confirmed' && !compact) {
        nodes.push(node('span', 'co-status', p.statusLabel));
      }
    } else if (p.kind === 'time_off') {
      nodes.push(node('span', 'co-line', p.person + ' away'));
    } else {
      var kind = p.kindLabel + (p.wholeBrand && !lanes ? ' (every boat)' : '');
      if (compact) {
        nodes.push(node('span', 'co-line', kind + ': ' + p.label));
      } else {
        nodes.push(node('strong', 'co-block-kind', kind));
        nodes.push(node('span', 'co-block-label', p.label));
        nodes.push(node('span', 'co-time', hhmm(event.start) + '–' + hhmm(event.end)));
      }
    }
    return {domNodes: nodes};
  }

  function eventDidMount(info) {
    if (info.event.display === 'background') {
      return;
    }
    info.el.title = tooltip(info.event);
    var p = info.event.extendedProps;
    info.el.setAttribute('data-kind', p.kind);
    if (p.booking) {
      info.el.setAttribute('data-booking', p.booking);
    }
  }

  function fetchEvents(fetchInfo, success, failure) {
    // startStr and endStr are the range's wall-clock edges (the Dates would be the browser's).
    var params = new URLSearchParams({tenant: config.tenant, start: fetchInfo.startStr, end: fetchInfo.endStr});
    if (config.boat) { params.set('boat', config.boat); }
    if (config.crewMember) { params.set('crew_member', config.crewMember); }
    fetch(config.eventsUrl + '?' + params.toString(), {credentials: 'same-origin', headers: {Accept: 'application/json'}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok || !data.events) {
            throw new Error((data.messages || ['The calendar could not load (reload the page; your session may have ended).'])[0]);
          }
          data.events.forEach(function (e) {
            // The wall clock as sent, for moves (see shift()).
            e.extendedProps.wallStart = e.start;
            e.extendedProps.wallEnd = e.end;
          });
          return data.events;
        });
      })
      .then(success, function (error) {
        say(error.message, 'error');
        failure(error);
      });
  }

  var moving = false;

  function eventDrop(info) {
    var p = info.event.extendedProps;
    var boat = info.newResource ? Number(info.newResource.id) : p.boatId;
    var body = {booking: p.booking, start: shift(p.wallStart, info.delta), end: shift(p.wallEnd, info.delta), boat: boat};
    moving = true;
    root.setAttribute('aria-busy', 'true');
    say('Moving ' + p.guest + ' to ' + body.start.replace('T', ' ').slice(0, 16) + '…', 'info');
    fetch(config.moveUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'Accept': 'application/json', 'X-CSRFToken': config.csrfToken},
      body: JSON.stringify(body),
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          return {ok: response.ok && data.ok, data: data};
        });
      }, function () {
        return {ok: false, data: {messages: ['The move did not reach the server: nothing was changed.']}};
      })
      .then(function (result) {
        moving = false;
        root.removeAttribute('aria-busy');
        if (result.ok) {
          say(result.data.message, 'success');
          // Crew counts, the lane and the times come back from the server as saved.
          ec.refetchEvents();
          return;
        }
        info.revert();
        flag(p.booking);
        var texts = result.data.messages && result.data.messages.length
          ? result.data.messages
          : ['The charter could not be moved (reload the page; your session may have ended).'];
        say(['Not moved: ' + texts[0]].concat(texts.slice(1)), 'error');
      });
  }

  function remember(info) {
    // Keep the view and date in the address and in the filter form, so a reload or a new filter stays here.
    var key = viewNames[info.view.type] || 'week';
    var day = localDay(info.view.currentStart);
    if (filters) {
      filters.elements.view.value = key;
      filters.elements.date.value = day;
    }
    var url = new URL(window.location.href);
    url.searchParams.set('view', key);
    url.searchParams.set('date', day);
    window.history.replaceState(null, '', url.toString());
  }

  var ec = EventCalendar.create(root, {
    view: config.view,
    date: config.date,
    timeZone: config.nowOffset,
    locale: 'en-US',
    firstDay: 1,
    height: 'auto',
    resources: config.resources,
    datesAboveResources: false,
    headerToolbar: {start: 'prev,next today', center: 'title', end: [config.views.month, config.views.week, config.views.day].join(',')},
    buttonText: function (text) {
      text[config.views.month] = 'Month';
      text[config.views.week] = 'Week';
      text[config.views.day] = 'Day';
      text.today = 'Today';
      return text;
    },
    views: {
      resourceTimeGridWeek: {
        dayHeaderFormat: function (date) {
          return date.toLocaleDateString('en-US', {weekday: 'short'}) + ' ' + date.getDate();
        },
      },
    },
    slotMinTime: '06:00:00',
    slotMaxTime: '22:00:00',
    flexibleSlotTimeLimits: true,
    slotDuration: '00:30:00',
    scrollTime: '08:00:00',
    nowIndicator: true,
    dayMaxEvents: true,
    eventTimeFormat: {hour: '2-digit', minute: '2-digit', hour12: false},
    slotLabelFormat: {hour: '2-digit', minute: '2-digit', hour12: false},
    editable: config.canMove,
    eventStartEditable: config.canMove,
    eventDurationEditable: false,
    eventSources: [{events: fetchEvents}],
    eventContent: eventContent,
    eventDidMount: eventDidMount,
    eventClick: function (info) {
      var url = info.event.extendedProps.url;
      if (url && !moving) {
        window.location.href = url;
      }
    },
    eventDrop: eventDrop,
    datesSet: remember,
  });
  window.charteropsCalendar = ec;

  if (filters) {
    // A new brand, boat or person reloads the page: lanes, zone and choices follow the brand.
    filters.addEventListener('change', function (event) {
      if (event.target.name === 'tenant') {
        filters.elements.boat.value = '';
        filters.elements.crew_member.value = '';
      }
      filters.submit();
    });
  }
}());
