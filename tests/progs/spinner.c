// spinner: 2 threads add to one counter under a pthread spin lock, 3,000,000 times each, with a
// little work outside the lock: they spend most of their CPU spinning for the lock.
#include <pthread.h>

#include "progs.h"

enum { THREADS = 2, ITERATIONS = 3000000 };

static pthread_spinlock_t lock;
static volatile unsigned long counter;

static void *add(void *unused)
{
	(void)unused;
	for (int i = 0; i < ITERATIONS; i++) {
		pthread_spin_lock(&lock);
		for (int k = 0; k < 20; k++)   // the work the lock protects
			counter++;
		pthread_spin_unlock(&lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];

	pthread_spin_init(&lock, PTHREAD_PROCESS_PRIVATE);
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, add, NULL))
			die("pthread_create");
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("%lu\n", counter);
	return 0;
}
