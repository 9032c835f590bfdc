/*
 * readline.h - the readline functions and variables the shell uses,
 * reached through cli_rl once cli_rl_load() has opened the library
 */
#ifndef SVMTOOL_READLINE_H
#define SVMTOOL_READLINE_H

#include <stddef.h>
#include <stdio.h> /* readline.h needs FILE */

#include <readline/history.h>
#include <readline/readline.h>

/* X(name) for each symbol: functions and variables alike. */
#define CLI_RL_SYMBOLS(X)                                                    \
	X(add_history)                                                       \
	X(append_history)                                                    \
	X(history_length)                                                    \
	X(history_truncate_file)                                             \
	X(read_history)                                                      \
	X(rl_attempted_completion_function)                                  \
	X(rl_attempted_completion_over)                                      \
	X(rl_callback_handler_install)                                       \
	X(rl_callback_handler_remove)                                        \
	X(rl_callback_read_char)                                             \
	X(rl_callback_sigcleanup)                                            \
	X(rl_catch_signals)                                                  \
	X(rl_completion_matches)                                             \
	X(rl_completion_suppress_append)                                     \
	X(rl_free_line_state)                                                \
	X(rl_line_buffer)                                                    \
	X(rl_readline_name)                                                  \
	X(stifle_history)                                                    \
	X(using_history)

/*
 * A pointer to each, typed after readline.h's declaration: for a function
 * cli_rl.add_history(line), for a variable *cli_rl.rl_line_buffer.
 */
struct cli_rl {
#define CLI_RL_MEMBER(s) __typeof__(s) *s;
	CLI_RL_SYMBOLS(CLI_RL_MEMBER)
#undef CLI_RL_MEMBER
};

extern struct cli_rl cli_rl;

/* Open readline (once); 0, or -1 with the reason in @err. */
int cli_rl_load(char *err, size_t len);

#endif
