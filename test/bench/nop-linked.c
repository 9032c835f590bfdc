/*
 * nop-linked.c - a program that does nothing, linked with the shared
 * libraries svmtool is linked with (bench-cli's B10 parts): what loading
 * them costs a process, which no work of svmtool's can go below.
 */
int main(void)
{
	return 0;
}
