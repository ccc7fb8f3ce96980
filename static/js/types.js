// The shapes of what the server sends and receives over Socket.IO, as JSDoc types for the checker
// (`tsc -p jsconfig.json`). Nothing runs here. The field names follow ../../../shared/CONTRACT.md and
// workshop/live.py; a poll type's own fields (options, scale, max_length, view; counts, mean, answers)
// are optional here and read by that type's module in static/js/polls/.

/**
 * A poll type's name as the deck and the payloads spell it. Deliberately a plain string, not a union
 * of today's names: the set of types is whatever static/js/polls/ registers.
 * @typedef {string} PollTypeName
 */

/**
 * @typedef {object} Scale
 * @property {number} min
 * @property {number} max
 * @property {Record<string, string>} [labels]  end or step labels keyed by the step as a string
 */

/**
 * A poll as `session_state`, `slide_changed` and `poll_changed` carry it.
 * @typedef {object} Poll
 * @property {string} id
 * @property {PollTypeName} type
 * @property {string} question
 * @property {'open' | 'closed'} status
 * @property {boolean} [opened]  whether it was ever opened: closed and never opened is "Not open yet"
 * @property {boolean} results_visible
 * @property {number} [total]  answers released so far (0 until the first snapshot of at least k)
 * @property {string[]} [options]  choice types
 * @property {Scale} [scale]  scale
 * @property {number} [max_length]  text
 * @property {string} [view]  text: how screens show the answers ('cloud' or 'list')
 */

/**
 * A slide as everyone gets it; the facilitator's also carries its notes.
 * @typedef {object} Slide
 * @property {number} index  0-based
 * @property {number} count  slides in the deck
 * @property {string} title
 * @property {string} kind  'content' or 'join'
 * @property {string} html  server-rendered Markdown (raw HTML off)
 * @property {Poll | null} poll
 * @property {number} [timer]  the slide's own countdown in seconds (the deck's `timer:`), 0 for none
 * @property {string | null} [notes]  facilitator only
 * @property {boolean} [phone]  the slide's own choice to show its content on phones (absent: the session's)
 * @property {Resources} [resources]  the deck's support resources, on its last slide
 */

/**
 * The deck's `resources:`: where people can turn if the workshop stirred something up.
 * @typedef {object} Resources
 * @property {string} title
 * @property {string[]} items
 */

/**
 * The countdown (`timer`, `session_state.timer`, the acknowledgement of `start_timer`/`stop_timer`).
 * Screens count down from their own clock on receipt (phones' clocks differ from the server's).
 * @typedef {object} Timer
 * @property {boolean} running  false: no timer on screen
 * @property {number} seconds  its full length
 * @property {number} remaining_ms  0 once it has run out ("Time's up")
 */

/**
 * One line of the console's slide list (`session_state.slides`, facilitator only).
 * @typedef {object} SlideOutline
 * @property {number} index
 * @property {string} title
 * @property {string} kind
 * @property {string | null} [notes]
 * @property {{id: string, type: PollTypeName, question: string} | null} poll
 * @property {number} [timer]  the slide's own countdown in seconds, 0 for none
 */

/**
 * One distinct text answer with its count; `hidden` only in the facilitator's copy.
 * @typedef {object} TextAnswer
 * @property {string} text
 * @property {number} count
 * @property {boolean} [hidden]
 */

/**
 * `results_updated` (and `session_state.results`). Results are released in snapshots: a new one only
 * once at least k (`min_responses`) distinct participants answered or changed their answer since the
 * last, and nothing is sent in between. Until the first, `suppressed` is true and only `poll`,
 * `suppressed` and `min_responses` are sent: no total, no count-down (either would tell when each
 * person answered). Otherwise `total` (the released total) and the poll type's fields are present.
 * @typedef {object} Results
 * @property {string} poll
 * @property {number} [total]  answers in this snapshot; absent while suppressed
 * @property {number} [min_responses]  k
 * @property {boolean} [suppressed]
 * @property {number[]} [counts]  single, multiple: per option; scale: per step from min to max
 * @property {number[]} [percents]  aligned with counts, rounded by the server's one rule (workshop/polls.py)
 * @property {number | null} [mean]  scale
 * @property {TextAnswer[]} [answers]  text
 */

/**
 * What a phone submits: an option index, option indexes, a scale step or a text.
 * @typedef {number | number[] | string} AnswerValue
 */

/**
 * @typedef {object} SessionInfo
 * @property {string} id
 * @property {string} code
 * @property {string} title
 * @property {string} status  'live' or 'ended'
 */

/**
 * `session_state`: everything this client may see, right after it connects.
 * @typedef {object} SessionState
 * @property {string} [role]
 * @property {string} [view]
 * @property {SessionInfo} [session]
 * @property {string} [join_url]
 * @property {Slide | null} slide
 * @property {Results | null} [results]
 * @property {boolean} [qr_overlay]
 * @property {boolean} [blank]  the projector shows nothing
 * @property {Timer} [timer]  the countdown, if one is on screen
 * @property {number} [min_responses]
 * @property {number} [participants]  facilitator and presenter
 * @property {SlideOutline[]} [slides]  facilitator
 * @property {RoomState} [room]  facilitator: who is in the room, lock and cap
 * @property {string} [participant]  participant: its token, to present when it reconnects
 * @property {Record<string, AnswerValue>} [my_answers]  participant: its stored answers by poll id
 * @property {AnswerValue | null} [my_answer]  participant: its answer to the current poll
 * @property {ReactionsState} [reactions]  whether phones may react now, and with which emoji
 * @property {Record<string, number>} [slide_reactions]  facilitator: the current slide's reactions so far
 * @property {QuestionsState} [qa]  the Q&A as this client's view sees it
 * @property {string[]} [my_votes]  participant: the shown questions it voted for
 * @property {boolean} [phone_slides]  phones show each slide's content under its title
 * @property {Resources} [resources]  participant: the deck's support resources, for the end screen
 */

/**
 * Reactions: `session_state.reactions`, `reactions_changed`, the acknowledgement of `set_reactions`.
 * @typedef {object} ReactionsState
 * @property {boolean} enabled  phones may react now
 * @property {string[]} set  the emoji they may react with, in order
 */

/**
 * `reactions`: counts since the last one (coalesced, a few a second at most); the facilitator's also
 * carries the current slide and its counts so far.
 * @typedef {object} Reactions
 * @property {Record<string, number>} counts
 * @property {number} [slide]
 * @property {Record<string, number>} [slide_counts]
 */

/**
 * One question of the Q&A; `status` only in the facilitator's copy (the others get shown ones only).
 * @typedef {object} Question
 * @property {string} id
 * @property {string} text  as the phone wrote it (cleaned): show with textContent and dir="auto" only
 * @property {number} votes
 * @property {boolean} answered
 * @property {boolean} pinned  on the presenter screen, prominently
 * @property {'pending' | 'shown' | 'hidden'} [status]
 */

/**
 * `questions_updated` and `session_state.qa`: questions by votes, most first, then oldest first.
 * @typedef {object} QuestionsState
 * @property {boolean} open  phones may ask and vote
 * @property {Question[]} questions
 * @property {'none' | 'approve'} [moderation]  facilitator: show at once, or approve first
 */

/**
 * The room as the facilitator sees it: `session_state.room`, `room_changed`, the facilitator's
 * `participant_count`, and the acknowledgement of `set_room`.
 * @typedef {object} RoomState
 * @property {number} count  phones connected now
 * @property {number} joined  participants admitted so far
 * @property {boolean} locked  closed to new participants (who joined already still gets back in)
 * @property {number} cap  how many may join in all; 0: no cap
 * @property {number} refused_joins  new participants refused for arriving faster than people scan a code
 */

/**
 * `participant_count`: the presenter gets the count only, the facilitator the whole room.
 * @typedef {{count: number} & Partial<RoomState>} ParticipantCount
 */

/**
 * The acknowledgement of every client event; `request()` also makes `timeout`, `disconnected` and
 * `invalid_response` errors. `value` is the stored answer in a `submit_answer` acknowledgement.
 * @typedef {object} Ack
 * @property {boolean} ok
 * @property {string} [error]
 * @property {AnswerValue} [value]
 * @property {RoomState} [room]  `set_room`: the room as it is now
 * @property {Poll} [poll]  poll events: the poll as it is now
 * @property {Timer} [timer]  `start_timer`, `stop_timer`: the countdown as it is now
 * @property {ReactionsState} [reactions]  `set_reactions`: reactions as they are now
 * @property {string} [question]  Q&A events: the question's id
 * @property {'shown' | 'pending'} [status]  `ask_question`: on the list now, or awaiting approval
 * @property {number} [votes]  `vote_question`: its votes now
 * @property {QuestionsState} [qa]  `set_qa`: the Q&A as the facilitator sees it
 * @property {string} [message]  why it was refused, in English words (for programs and logs; pages say their own)
 * @property {'per_minute' | 'full' | 'not_found' | 'ended' | 'closed'} [reason]  a refused question or vote: why
 * @property {number} [per_minute]  with reason `per_minute`: how many questions a phone may ask a minute
 * @property {number} [retry_after]  with reason `per_minute`: seconds until it may ask again
 */

/**
 * Why the server refused a connection for good (anything else is retried).
 * @typedef {'unknown_session' | 'unauthorized' | 'session_ended'} FatalReason
 */

/**
 * Why the server did not admit a new participant now; trying again later may work. A phone that joined
 * already (it presents its token) is never refused these.
 * - `room_locked`: the facilitator closed the room to new participants
 * - `room_full`: the facilitator's cap is reached
 * - `rate_limited`: new participants arrive from this network faster than people do
 * @typedef {'room_locked' | 'room_full' | 'rate_limited'} RoomRefusal
 */

/**
 * Every refusal a page is told about instead of a silent retry.
 * @typedef {FatalReason | RoomRefusal} Refusal
 */

/**
 * Server-to-client events and their payloads.
 * @typedef {object} ServerEvents
 * @property {(state: SessionState) => void} session_state
 * @property {(slide: Slide) => void} slide_changed
 * @property {(poll: Poll) => void} poll_changed
 * @property {(results: Results) => void} results_updated
 * @property {(message: ParticipantCount) => void} participant_count
 * @property {(room: RoomState) => void} room_changed  facilitator: the room was locked, opened or capped
 * @property {(message: {visible: boolean}) => void} qr_overlay
 * @property {(message: {blank: boolean}) => void} blank
 * @property {(message: {visible: boolean}) => void} phone_slides  phones show slide content, or only titles
 * @property {(timer: Timer) => void} timer  the countdown started, restarted or stopped
 * @property {(message: {poll: Poll}) => void} poll_reset  the facilitator cleared every answer to a poll
 * @property {(message: Reactions) => void} reactions  presenter, facilitator: taps since the last one
 * @property {(reactions: ReactionsState) => void} reactions_changed  reactions switched on or off
 * @property {() => void} session_ended
 * @property {(qa: QuestionsState) => void} questions_updated  Q&A: coalesced, only when this view's list changed
 */

/**
 * Client-to-server events: every one takes an object and is acknowledged.
 * @typedef {Record<string, (payload: object, ack: (response: Ack) => void) => void>} ClientEvents
 */

/**
 * The live connection: Socket.IO's client socket typed with this app's events.
 * @typedef {import('socket.io-client').Socket<ServerEvents, ClientEvents>} LiveSocket
 */

export {};
